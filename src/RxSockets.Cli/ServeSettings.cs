namespace RxSockets.Cli;

/// <summary>What <c>serve</c> was asked to do. <paramref name="Count"/> &gt; 0 selects counter mode (see
/// <see cref="CounterMode"/>), at most <paramref name="Rate"/> messages per second (0 = as fast as possible), with
/// resumable sessions when <paramref name="Resume"/> is set; <paramref name="Backplane"/> joins other nodes over Redis;
/// <paramref name="Topic"/> selects topic mode (see <see cref="TopicMode"/>). <paramref name="BroadcastOverflow"/> is
/// what a broadcast or topic publish does for a client over its budget; <paramref name="QueueBytes"/> bounds each queue
/// of a connection in bytes (0 = the library's default); <paramref name="Topics"/> serves the messaging protocol (see
/// <see cref="MessagingMode"/>).</summary>
internal sealed record ServeSettings(string Host, int Port, string? Path, ProtocolFlags Protocol, int QueueCapacity, bool Broadcast, bool Quiet,
    string? CertificatePath = null, string? CertificatePassword = null, long Count = 0, double Rate = 0, bool Resume = false,
    RxSockets.Redis.RedisBackplaneOptions? Backplane = null, string? Topic = null, int History = 0, TimeSpan HistoryTtl = default,
    bool Positions = false, BroadcastOverflow BroadcastOverflow = BroadcastOverflow.Wait, long QueueBytes = 0, bool Topics = false);
