using System.Net;
using System.Text;

namespace RxSockets.Cli;

/// <summary><c>rxsockets connect</c>: an interactive client in the manner of wscat.</summary>
internal static class ConnectCommand
{
    public const string Usage = """
        Usage: rxsockets connect URL [options]

        Connects to a ws:// or wss:// URL. Every line read from stdin is sent as a text message; every message
        received is printed to stdout on one line: text as is, binary as
          <binary N bytes: HEX>
        with the hex of the first 32 bytes, followed by … when the message is longer.

        When stdin ends (after --wait, if given; or on SIGINT/SIGTERM) it closes with 1000 and exits 0 once the
        close completes.
        When the server closes, it prints "closed CODE REASON" to stderr and exits 0 for 1000 or 1001, 1 otherwise.
        A refused handshake prints the HTTP status, e.g. "error: handshake rejected: HTTP 401 Unauthorized".

        Options:
          -H, --header "Name: value"   add a header to the upgrade request (repeatable)
          --subprotocol X              offer a subprotocol (repeatable)
          --proxy URL                  tunnel through this HTTP proxy (http://[user:pass@]host:port) instead of
                                       the one HTTP_PROXY / HTTPS_PROXY name (NO_PROXY applies to those only)
          --max-message BYTES          largest message accepted (default 1048576)
          --max-fragments N            most frames per message, 0 = unlimited (default 1024)
          --deflate                    offer permessage-deflate compression (RFC 7692)
          --deflate-window-bits N      permessage-deflate with an LZ77 window of 2^N bytes (8..15) both ways: ask the
                                       server for it and compress within it (implies --deflate)
          --wait T                     after stdin ends, keep printing replies for T before closing (e.g. 500ms)
          --reconnect                  reconnect after a loss (exponential backoff), report each reconnect on stderr,
                                       keep stdin's lines queued while disconnected; exits 0 when the server closes
                                       with 1000, 1 when it gives up or the server refuses
          --resume                     ask an RxSockets server for a resumable session (implies --reconnect): every
                                       message exactly once and in order across reconnects; stderr says when a
                                       reconnect could not resume ("fresh session")
          --reconnect-delay T          first reconnect delay, doubled each attempt up to 30s (default 1s)
          --max-reconnect-attempts K   attempts per outage before giving up, 0 = for ever (default 0)
          --keepalive-interval T       ping the server every T (default 20s)
          --keepalive-timeout T        declare the server dead when nothing arrives within T after a ping (default 20s)
          -k, --insecure               do not check the server's TLS certificate (like curl -k), for self-signed servers
          -h, --help                   show this help

        Exit codes: 0 clean close, 1 connection or handshake failure or unclean close, 2 usage error.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (Parse(args) is not { } settings)
        {
            await Console.Out.WriteAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var options = new WebSocketClientOptions
        {
            SslOptions = settings.Insecure ? Insecure.SslOptions() : null,
            Proxy = settings.Proxy is null ? null : new WebProxy(settings.Proxy),
        };
        settings.Protocol.ApplyTo(options);
        settings.Resilience.ApplyTo(options);
        foreach (var (name, value) in settings.Headers)
        {
            options.Headers[name] = options.Headers.TryGetValue(name, out var previous) ? $"{previous}, {value}" : value;
        }

        foreach (var subProtocol in settings.SubProtocols)
        {
            options.SubProtocols.Add(subProtocol);
        }

        using var shutdown = new ShutdownSignal();
        if (settings.Resilience.Reconnect)
        {
            return await ReconnectingConnect.RunAsync(settings, options, shutdown.Requested).ConfigureAwait(false);
        }

        if (await Connector.TryConnectAsync(settings.Url, options).ConfigureAwait(false) is not { } connection)
        {
            return ExitCodes.Failure;
        }

        var printing = Task.Run(() => PrintAsync(connection));
        var stdinEnded = Task.Run(() => SendLinesAsync(connection, settings.Wait));
        return await Connector.RunUntilEndAsync(connection, printing, stdinEnded, shutdown.Requested).ConfigureAwait(false);
    }

    private static async Task PrintAsync(WebSocketConnection connection)
    {
        try
        {
            await foreach (var message in connection.ReadAllAsync().ConfigureAwait(false))
            {
                await Console.Out.WriteLineAsync(MessageFormat.Describe(message)).ConfigureAwait(false);
            }
        }
        catch (ConnectionClosedException)
        {
            // Reported from Completion once everything received is printed.
        }
    }

    private static async Task SendLinesAsync(WebSocketConnection connection, TimeSpan wait)
    {
        using var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        try
        {
            while (await stdin.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                await connection.SendAsync(line).ConfigureAwait(false);
            }

            // Replies to the last lines are still on their way: closing at once would cut them off.
            await Task.WhenAny(Task.Delay(wait), connection.Completion).ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // The server closed first; the rest of stdin has nowhere to go.
        }
    }

    private static ConnectSettings? Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader("connect", args);
        string? url = null;
        var headers = new List<KeyValuePair<string, string>>();
        var subProtocols = new List<string>();
        var wait = TimeSpan.Zero;
        var insecure = false;
        var protocol = new ProtocolFlags();
        var resilience = new ResilienceFlags();
        Uri? proxy = null;
        while (reader.TryRead(out var token))
        {
            if (protocol.TryRead(token, reader) || resilience.TryRead(token, reader))
            {
                continue;
            }

            switch (token)
            {
                case "-h" or "--help":
                    return null;
                case "-H" or "--header":
                    headers.Add(ParseHeader(reader.Value()));
                    break;
                case "--subprotocol":
                    subProtocols.Add(reader.Value());
                    break;
                case "--wait":
                    wait = reader.Time(allowZero: true);
                    break;
                case "--proxy":
                    proxy = ParseProxy(reader.Value());
                    break;
                case "-k" or "--insecure":
                    insecure = reader.Switch();
                    break;
                case var positional when url is null && !ArgumentReader.IsOption(positional):
                    url = token;
                    break;
                default:
                    throw reader.Unknown(token);
            }
        }

        return new ConnectSettings(reader.Url(url), headers, subProtocols, protocol, wait, insecure, proxy, resilience);
    }

    private static Uri ParseProxy(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var proxy) && proxy.Scheme == Uri.UriSchemeHttp && proxy.Host.Length > 0
            ? proxy
            : throw new UsageException($"option --proxy needs an http:// proxy URL such as http://proxy:3128, not '{text}'");

    /// <summary>Parses <c>-H "Name: value"</c>.</summary>
    internal static KeyValuePair<string, string> ParseHeader(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon > 0 ? text[..colon].Trim() : "";
        if (name.Length == 0 || name.Any(char.IsWhiteSpace))
        {
            throw new UsageException($"option -H needs \"Name: value\", not '{text}'");
        }

        return new(name, text[(colon + 1)..].Trim());
    }
}
