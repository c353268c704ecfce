using System.Net;

namespace RxSockets.Cli;

/// <summary>The arguments of <c>rxsockets serve</c> (see <see cref="ServeCommand.Usage"/>): each flag, its range, and
/// the rules on which flags combine. The flags are a public contract: never rename one.</summary>
internal static class ServeArguments
{
    /// <summary>The names <c>--broadcast-overflow</c> takes: a public contract, never renamed.</summary>
    private static readonly Dictionary<string, BroadcastOverflow> s_overflows = new(StringComparer.Ordinal)
    {
        ["wait"] = BroadcastOverflow.Wait,
        ["drop-oldest"] = BroadcastOverflow.DropOldest,
        ["drop-newest"] = BroadcastOverflow.DropNewest,
        ["disconnect"] = BroadcastOverflow.Disconnect,
    };

    /// <summary>Reads the arguments after <c>serve</c>; null when help was asked for.</summary>
    /// <exception cref="UsageException">An argument is unknown, malformed, or does not combine with the others.</exception>
    public static ServeSettings? Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader("serve", args);
        string host = "127.0.0.1";
        int port = 8080;
        string? path = null;
        int queue = 256;
        bool? broadcast = null;
        var quiet = false;
        string? certificate = null;
        string? password = null;
        var protocol = new ProtocolFlags();
        long count = 0;
        double rate = 0;
        var resume = false;
        RxSockets.Redis.RedisBackplaneOptions? backplane = null;
        string? topic = null;
        var history = 0;
        var historyTtl = TimeSpan.Zero;
        var positions = false;
        var topics = false;
        BroadcastOverflow? overflow = null;
        long queueBytes = 0;
        while (reader.TryRead(out var token))
        {
            if (protocol.TryRead(token, reader))
            {
                continue;
            }

            switch (token)
            {
                case "-h" or "--help":
                    return null;
                case "--host":
                    host = reader.Value();
                    break;
                case "--port":
                    port = (int)reader.Number(0, IPEndPoint.MaxPort);
                    break;
                case "--path":
                    path = reader.Value();
                    if (!path.StartsWith('/'))
                    {
                        throw new UsageException($"option --path needs a path starting with '/', not '{path}'");
                    }

                    break;
                case "--queue":
                    queue = (int)reader.Number(1, 1_000_000);
                    break;
                case "--queue-bytes":
                    queueBytes = reader.Size();
                    break;
                case "--broadcast-overflow":
                    overflow = reader.Choice(s_overflows);
                    break;
                case "--quiet":
                    quiet = reader.Switch();
                    break;
                case "--cert":
                    certificate = reader.Value();
                    break;
                case "--cert-password":
                    password = reader.Value();
                    break;
                case "--count":
                    count = reader.Number(1, long.MaxValue);
                    break;
                case "--rate":
                    rate = reader.Number(1, 1_000_000);
                    break;
                case "--resume":
                    resume = reader.Switch();
                    break;
                case "--topic":
                    topic = reader.Value();
                    break;
                case "--history":
                    history = (int)reader.Number(1, 1_000_000);
                    break;
                case "--history-ttl":
                    historyTtl = reader.Time(allowZero: false);
                    break;
                case "--positions":
                    positions = reader.Switch();
                    break;
                case "--topics":
                    topics = reader.Switch();
                    break;
                case "--backplane":
                    var url = reader.Value();
                    try
                    {
                        backplane = RxSockets.Redis.RedisBackplaneOptions.FromUrl(url);
                    }
                    catch (FormatException error)
                    {
                        throw new UsageException($"option --backplane needs a URL like redis://127.0.0.1:6379: {error.Message}");
                    }

                    break;
                case "--echo" or "--broadcast":
                    reader.Switch();
                    if (broadcast is not null && broadcast != (token == "--broadcast"))
                    {
                        throw new UsageException("'serve' takes only one of --echo and --broadcast");
                    }

                    broadcast = token == "--broadcast";
                    break;
                default:
                    throw reader.Unknown(token);
            }
        }

        if ((count > 0 ? 1 : 0) + (broadcast is null ? 0 : 1) + (topic is null ? 0 : 1) > 1)
        {
            throw new UsageException("'serve' takes only one of --echo, --broadcast, --topic and --count");
        }

        if (topic is null && positions)
        {
            throw new UsageException("option --positions needs --topic");
        }

        if (topic is null && !topics && (history > 0 || historyTtl > TimeSpan.Zero))
        {
            throw new UsageException($"option {(history > 0 ? "--history" : "--history-ttl")} needs --topic or --topics");
        }

        if (historyTtl > TimeSpan.Zero && history == 0)
        {
            throw new UsageException("option --history-ttl needs --history");
        }

        if (count == 0 && (rate > 0 || resume))
        {
            throw new UsageException($"option {(resume ? "--resume" : "--rate")} needs --count");
        }

        if (broadcast is null && count == 0 && topic is null && !topics)
        {
            throw new UsageException("'serve' needs a mode: --echo, --broadcast, --topic, --count or --topics (see 'rxsockets serve --help')");
        }

        if (overflow is not null && broadcast != true && topic is null && !topics)
        {
            throw new UsageException("option --broadcast-overflow needs --broadcast, --topic or --topics");
        }

        if (password is not null && certificate is null)
        {
            throw new UsageException("option --cert-password needs --cert");
        }

        return new ServeSettings(host, port, path, protocol, queue, broadcast ?? false, quiet, certificate, password, count, rate, resume, backplane, topic, history, historyTtl, positions,
            overflow ?? BroadcastOverflow.Wait, queueBytes, topics);
    }
}
