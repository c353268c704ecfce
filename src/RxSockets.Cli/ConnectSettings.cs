namespace RxSockets.Cli;

/// <summary>What <c>connect</c> was asked to do.</summary>
internal sealed record ConnectSettings(Uri Url, IReadOnlyList<KeyValuePair<string, string>> Headers, IReadOnlyList<string> SubProtocols, long MaxMessageSize, TimeSpan Wait,
    int MaxFragments = 1024, bool Deflate = false, bool Insecure = false, Uri? Proxy = null);
