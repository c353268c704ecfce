namespace RxSockets.Bench;

/// <summary>Which measurement a load generator performs.</summary>
internal enum LoadMode
{
    /// <summary>Keep <see cref="LoadOptions.Window"/> messages outstanding and count echoes per second.</summary>
    Throughput,

    /// <summary>One message in flight; record every round trip.</summary>
    Latency,

    /// <summary>Open <see cref="LoadOptions.Connections"/> connections and hold them without traffic.</summary>
    Idle,
}
