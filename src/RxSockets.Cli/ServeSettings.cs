namespace RxSockets.Cli;

/// <summary>What <c>serve</c> was asked to do.</summary>
internal sealed record ServeSettings(string Host, int Port, string? Path, long MaxMessageSize, int QueueCapacity, bool Broadcast, bool Quiet,
    int MaxFragments = 1024, bool Deflate = false, string? CertificatePath = null, string? CertificatePassword = null);
