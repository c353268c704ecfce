namespace RxSockets.Cli;

/// <summary>What <c>serve</c> was asked to do. <paramref name="Count"/> &gt; 0 selects counter mode (see
/// <see cref="CounterMode"/>), at most <paramref name="Rate"/> messages per second (0 = as fast as possible), with
/// resumable sessions when <paramref name="Resume"/> is set.</summary>
internal sealed record ServeSettings(string Host, int Port, string? Path, ProtocolFlags Protocol, int QueueCapacity, bool Broadcast, bool Quiet,
    string? CertificatePath = null, string? CertificatePassword = null, long Count = 0, double Rate = 0, bool Resume = false);
