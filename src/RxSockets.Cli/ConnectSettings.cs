namespace RxSockets.Cli;

/// <summary>What <c>connect</c> was asked to do.</summary>
internal sealed record ConnectSettings(Uri Url, IReadOnlyList<KeyValuePair<string, string>> Headers, IReadOnlyList<string> SubProtocols, ProtocolFlags Protocol, TimeSpan Wait,
    bool Insecure = false, Uri? Proxy = null, ResilienceFlags? Resilience = null)
{
    /// <summary>Keepalive and reconnect options (<c>--reconnect</c> …).</summary>
    public ResilienceFlags Resilience { get; init; } = Resilience ?? new ResilienceFlags();
}
