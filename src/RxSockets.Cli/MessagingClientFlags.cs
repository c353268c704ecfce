using System.Text;

namespace RxSockets.Cli;

/// <summary>
/// The options the messaging commands (<c>subscribe</c>, <c>publish</c>, <c>request</c>) share: <c>-H</c>,
/// <c>-k</c>, the protocol options (<see cref="ProtocolFlags"/>), the keepalive options and — for <c>subscribe</c>
/// only — the reconnect options (<see cref="ResilienceFlags"/>; never <c>--resume</c>: the messaging protocol and
/// resumable sessions do not combine, subscriptions recover by position instead). Builds the
/// <see cref="WebSocketClient"/> that speaks the protocol.
/// </summary>
internal sealed class MessagingClientFlags(string command, bool reconnectable)
{
    /// <summary>The longest topic name the protocol allows, in UTF-8 bytes.</summary>
    private const int MaxTopicBytes = 256;

    private readonly List<KeyValuePair<string, string>> _headers = [];

    public ProtocolFlags Protocol { get; } = new();

    public ResilienceFlags Resilience { get; } = new();

    public bool Insecure { get; private set; }

    /// <summary>Whether the client reconnects after a loss (<c>--reconnect</c>).</summary>
    public bool Reconnect => Resilience.Reconnect;

    /// <summary>Reads <paramref name="token"/> if it is one of these options.</summary>
    /// <returns>False when the option is not one of them (the caller handles it).</returns>
    public bool TryRead(string token, ArgumentReader reader)
    {
        switch (token)
        {
            case "--resume":
                throw new UsageException($"option --resume does not combine with '{command}': the messaging protocol recovers subscriptions by position instead of resuming a session");
            case "--reconnect" or "--reconnect-delay" or "--max-reconnect-attempts" when !reconnectable:
                return false;
            case "-H" or "--header":
                _headers.Add(ConnectCommand.ParseHeader(reader.Value()));
                return true;
            case "-k" or "--insecure":
                Insecure = reader.Switch();
                return true;
            default:
                return Protocol.TryRead(token, reader) || Resilience.TryRead(token, reader);
        }
    }

    /// <summary>Checks a topic name as the protocol does (1 to 256 UTF-8 bytes), before anything connects.</summary>
    public string Topic(string? name)
    {
        if (name is null)
        {
            throw new UsageException($"'{command}' needs a topic name after the URL (see 'rxsockets {command} --help')");
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes is >= 1 and <= MaxTopicBytes
            ? name
            : throw new UsageException($"a topic name has 1 to {MaxTopicBytes} UTF-8 bytes, not {bytes}");
    }

    /// <summary>A client of <paramref name="url"/> speaking the messaging protocol; it reconnects only with
    /// <c>--reconnect</c>, otherwise its first loss (or failed attempt) is its end.</summary>
    public WebSocketClient CreateClient(Uri url, MessagingClientOptions messaging)
    {
        var options = new WebSocketClientOptions
        {
            SslOptions = Insecure ? Cli.Insecure.SslOptions() : null,
            Messaging = messaging,
        };
        Protocol.ApplyTo(options);
        Resilience.ApplyTo(options);
        foreach (var (name, value) in _headers)
        {
            options.Headers[name] = options.Headers.TryGetValue(name, out var previous) ? $"{previous}, {value}" : value;
        }

        var reconnect = Resilience.ToReconnectOptions();
        if (!Reconnect)
        {
            reconnect.ShouldReconnect = static _ => false;
        }

        try
        {
            return new WebSocketClient(url, options, reconnect);
        }
        catch (ArgumentException error)
        {
            throw new UsageException(error.Message, error);
        }
    }

    /// <summary>Runs <see cref="WebSocketClient.StartAsync"/>.</summary>
    /// <returns>False when the client could not connect (the reporter printed why).</returns>
    public static async Task<bool> StartAsync(WebSocketClient client, Task<ClientClosed> closed)
    {
        try
        {
            await client.StartAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception) when (closed.IsCompleted)
        {
            return false;
        }
    }

    /// <summary>"CODE: REASON", or just the code.</summary>
    public static string Describe(RequestFailedException error) =>
        string.IsNullOrEmpty(error.Reason) ? error.Code : $"{error.Code}: {error.Reason}";
}
