namespace RxSockets.Cli;

/// <summary>
/// <c>connect</c>'s liveness and reconnect options: <c>--reconnect</c>, <c>--resume</c> (a resumable session with an
/// RxSockets server; implies <c>--reconnect</c>), <c>--keepalive-interval T</c>,
/// <c>--keepalive-timeout T</c>, <c>--reconnect-delay T</c> and <c>--max-reconnect-attempts K</c> (0 = for ever).
/// The keepalive options apply with or without <c>--reconnect</c>.
/// </summary>
internal sealed class ResilienceFlags
{
    private bool _reconnect;

    /// <summary>Whether to run a reconnecting <see cref="WebSocketClient"/> instead of one connection.</summary>
    public bool Reconnect => _reconnect || Resume;

    /// <summary>Whether to ask the server for a resumable session (exactly-once across reconnects).</summary>
    public bool Resume { get; private set; }

    public TimeSpan? KeepAliveInterval { get; private set; }

    public TimeSpan? KeepAliveTimeout { get; private set; }

    public TimeSpan? ReconnectDelay { get; private set; }

    public int? MaxReconnectAttempts { get; private set; }

    /// <summary>Reads <paramref name="token"/> if it is one of these options.</summary>
    /// <returns>False when the option is not one of them (the caller handles it).</returns>
    public bool TryRead(string token, ArgumentReader reader)
    {
        switch (token)
        {
            case "--reconnect":
                _reconnect = reader.Switch();
                return true;
            case "--resume":
                Resume = reader.Switch();
                return true;
            case "--keepalive-interval":
                KeepAliveInterval = reader.Time(allowZero: false);
                return true;
            case "--keepalive-timeout":
                KeepAliveTimeout = reader.Time(allowZero: false);
                return true;
            case "--reconnect-delay":
                ReconnectDelay = reader.Time(allowZero: true);
                return true;
            case "--max-reconnect-attempts":
                MaxReconnectAttempts = (int)reader.Number(0, int.MaxValue);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Sets the keepalive of <paramref name="options"/> when given, and the resumable session.</summary>
    public void ApplyTo(ConnectionOptions options)
    {
        if (Resume && options is WebSocketClientOptions client)
        {
            client.Resume = new ResumeOptions();
        }

        options.KeepAliveInterval = KeepAliveInterval ?? options.KeepAliveInterval;
        options.KeepAliveTimeout = KeepAliveTimeout ?? options.KeepAliveTimeout;
    }

    /// <summary>The reconnect options: the SDK's defaults, with the delay and attempts given.</summary>
    public ReconnectOptions ToReconnectOptions()
    {
        var options = new ReconnectOptions();
        if (ReconnectDelay is { } delay)
        {
            options.ReconnectDelay = delay;
            options.MaxReconnectDelay = delay > options.MaxReconnectDelay ? delay : options.MaxReconnectDelay;
        }

        options.MaxReconnectAttempts = MaxReconnectAttempts ?? options.MaxReconnectAttempts;
        return options;
    }
}
