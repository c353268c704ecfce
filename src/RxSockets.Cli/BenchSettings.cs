namespace RxSockets.Cli;

/// <summary>What <c>bench</c> was asked to do.</summary>
internal sealed record BenchSettings(Uri Url, int Size, int Window, TimeSpan Duration, TimeSpan Warmup, bool Latency, int Count, bool Deflate, bool Insecure);
