namespace RxSockets;

/// <summary>
/// One connection attempt of a <see cref="WebSocketClient"/>, as <see cref="ReconnectOptions.BeforeConnect"/> sees it
/// just before the attempt: change <see cref="Url"/> or <see cref="Headers"/> here, for this attempt only (a token that
/// expires is fetched again before every reconnect).
/// </summary>
/// <remarks>Made afresh for every attempt and read once the callback completes; not thread-safe.</remarks>
public sealed class ConnectionAttempt
{
    private Uri _url;

    internal ConnectionAttempt(int number, Uri url, IDictionary<string, string> headers, Exception? lastError)
    {
        Number = number;
        _url = url;
        Headers = headers;
        LastError = lastError;
    }

    /// <summary>0 for the first attempt of <see cref="WebSocketClient.StartAsync"/> or
    /// <see cref="WebSocketClient.ReconnectAsync"/>, then 1, 2, … for the reconnect attempts after a loss.</summary>
    public int Number { get; }

    /// <summary>Why the previous connection ended or the previous attempt failed (a 401
    /// <see cref="HandshakeException"/> says the token expired); null before a first attempt.</summary>
    public Exception? LastError { get; }

    /// <summary>Where this attempt connects: <see cref="WebSocketClient.Url"/> unless changed. Setting it does not
    /// change <see cref="WebSocketClient.Url"/>.</summary>
    /// <exception cref="ArgumentException">Not an absolute ws:// or wss:// URL.</exception>
    public Uri Url
    {
        get => _url;
        set => _url = WebSocketUrl.Validate(value, nameof(value));
    }

    /// <summary>The request headers of this attempt: a copy of <see cref="ClientConnectionOptions.Headers"/>, to change
    /// freely (set <c>Authorization</c>, remove a cookie…). The handshake's own headers are refused as there.</summary>
    public IDictionary<string, string> Headers { get; }
}
