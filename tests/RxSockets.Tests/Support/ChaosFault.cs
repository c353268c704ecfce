namespace RxSockets.Tests.Support;

/// <summary>A failure the <see cref="ChaosProxy"/> injects into one proxied connection.</summary>
internal enum ChaosFault
{
    /// <summary>Forwards the current chunk whole, then resets both sides.</summary>
    Disconnect,

    /// <summary>Stops forwarding (and reading) in both directions without closing anything: a half-open connection.</summary>
    Stall,

    /// <summary>Forwards only a prefix of the current chunk (a truncated write), then closes both sides.</summary>
    Truncate,
}
