namespace RxSockets.Cli;

/// <summary>What <c>serve</c> was asked to do.</summary>
internal sealed record ServeSettings(string Host, int Port, string? Path, ProtocolFlags Protocol, int QueueCapacity, bool Broadcast, bool Quiet,
    string? CertificatePath = null, string? CertificatePassword = null);
