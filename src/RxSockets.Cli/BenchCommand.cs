using System.Globalization;

namespace RxSockets.Cli;

/// <summary><c>rxsockets bench</c>: the RxSockets client as a load generator against any echo server.</summary>
internal static class BenchCommand
{
    public const string Usage = """
        Usage: rxsockets bench URL [options]

        Measures an echo server (such as 'rxsockets serve --echo') with binary messages.
        Throughput (default): keeps WINDOW messages of SIZE bytes in flight and counts the echoes.
        Latency (--latency): one message at a time, timing each round trip, up to COUNT round trips or DURATION.
        The payload is bytes 0, 1, 2, … 255, 0, 1, …: highly compressible, so --deflate shows compression at its cheapest.
        The first line names the negotiated extensions (extensions=-, or extensions=permessage-deflate…).
        Nothing is measured during the warmup. The last line printed to stdout is always
          result: msgs_per_s=… MB_per_s=… p50_us=… p99_us=… p999_us=…
        in the invariant culture, with 0 for what the mode does not measure (percentiles in throughput mode).
        MB_per_s counts echoed payload bytes, in units of 1,000,000 bytes.

        Options:
          --size B          payload bytes per message (default 32)
          --window W        messages in flight, throughput mode (default 64)
          --duration T      measurement time (default 5s)
          --warmup T        time before measuring (default 1s)
          --latency         measure round-trip latency instead of throughput
          --count N         most round trips recorded, latency mode (default 100000)
          --deflate         offer permessage-deflate (default options: messages under 1024 bytes go uncompressed)
          -k, --insecure    do not check the server's TLS certificate (like curl -k), for self-signed wss:// servers
          -h, --help        show this help

        Durations are written like 500ms, 3s, 1m or 2m30s.
        Exit codes: 0 done, 1 connection or handshake failure, 2 usage error.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (Parse(args) is not { } settings)
        {
            await Console.Out.WriteAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var queue = Math.Max(settings.Window, 16);
        var options = new WebSocketClientOptions
        {
            MaxMessageSize = Math.Max(settings.Size, 1024 * 1024),
            SendQueueCapacity = queue,
            ReceiveQueueCapacity = queue,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            PerMessageDeflate = settings.Deflate ? new PerMessageDeflateOptions() : null,
            SslOptions = settings.Insecure ? Insecure.SslOptions() : null,
        };
        if (await Connector.TryConnectAsync(settings.Url, options).ConfigureAwait(false) is not { } connection)
        {
            return ExitCodes.Failure;
        }

        await using (connection.ConfigureAwait(false))
        {
            await Console.Out.WriteLineAsync(Describe(settings, connection.Extensions)).ConfigureAwait(false);
            BenchResult result;
            try
            {
                result = settings.Latency
                    ? await LatencyBench.RunAsync(connection, settings).ConfigureAwait(false)
                    : await ThroughputBench.RunAsync(connection, settings).ConfigureAwait(false);
            }
            catch (Exception error) when (error is ConnectionClosedException or InvalidOperationException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await Console.Out.WriteLineAsync(result.ToString()).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    private static string Describe(BenchSettings settings, string extensions)
    {
        var shape = settings.Latency
            ? string.Create(CultureInfo.InvariantCulture, $"latency count={settings.Count}")
            : string.Create(CultureInfo.InvariantCulture, $"throughput window={settings.Window}");
        return string.Create(CultureInfo.InvariantCulture,
            $"bench {settings.Url} {shape} size={settings.Size} duration={Duration.Format(settings.Duration)} warmup={Duration.Format(settings.Warmup)} extensions={(extensions.Length == 0 ? "-" : extensions)}");
    }

    private static BenchSettings? Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader("bench", args);
        string? url = null;
        int size = 32, window = 64, count = 100_000;
        TimeSpan duration = TimeSpan.FromSeconds(5), warmup = TimeSpan.FromSeconds(1);
        bool latency = false, deflate = false, insecure = false;
        while (reader.TryRead(out var token))
        {
            switch (token)
            {
                case "-h" or "--help":
                    return null;
                case "--size":
                    size = (int)reader.Number(0, 64 * 1024 * 1024);
                    break;
                case "--window":
                    window = (int)reader.Number(1, 1_000_000);
                    break;
                case "--duration":
                    duration = reader.Time(allowZero: false);
                    break;
                case "--warmup":
                    warmup = reader.Time(allowZero: true);
                    break;
                case "--latency":
                    latency = reader.Switch();
                    break;
                case "--count":
                    count = (int)reader.Number(1, int.MaxValue);
                    break;
                case "--deflate":
                    deflate = reader.Switch();
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

        return new BenchSettings(reader.Url(url), size, window, duration, warmup, latency, count, deflate, insecure);
    }
}
