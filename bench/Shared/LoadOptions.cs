using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RxSockets.Bench;

/// <summary>
/// The load generators' shared command line:
/// <c>URL [--size B] [--window W] [--duration T] [--warmup T] [--latency] [--count N] [--connections C] [--idle]</c>.
/// </summary>
/// <remarks>Immutable after parsing and thread-safe. Every load generator (and later <c>rxsockets bench</c>) accepts exactly these flags.</remarks>
internal sealed class LoadOptions
{
    /// <summary>The usage text printed on a parse error.</summary>
    public const string Usage =
        "usage: URL [--size B] [--window W] [--duration T] [--warmup T] [--latency] [--count N] [--connections C] [--idle]\n" +
        "  durations: 250us, 500ms, 3s, 1m";

    /// <summary>The echo server's address.</summary>
    /// <value>A <c>ws://</c> URI; required.</value>
    public required Uri Url { get; init; }

    /// <summary>Payload bytes per binary message.</summary>
    /// <value>The default is 32.</value>
    public int Size { get; init; } = 32;

    /// <summary>Messages kept outstanding per connection in throughput mode.</summary>
    /// <value>The default is 64.</value>
    public int Window { get; init; } = 64;

    /// <summary>Length of the measured interval (or, in idle mode, the longest hold).</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Traffic before the measured interval that is not counted.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound on measured round trips in latency mode.</summary>
    /// <value>The default is 0, meaning no bound other than <see cref="Duration"/>.</value>
    public long Count { get; init; }

    /// <summary>Number of connections opened.</summary>
    /// <value>The default is 1.</value>
    public int Connections { get; init; } = 1;

    /// <summary>The measurement to perform.</summary>
    /// <value>The default is <see cref="LoadMode.Throughput"/>; <c>--latency</c> and <c>--idle</c> select the others.</value>
    public LoadMode Mode { get; init; } = LoadMode.Throughput;

    /// <summary>Parses the shared command line.</summary>
    /// <param name="args">The arguments, URL first or anywhere among the flags.</param>
    /// <param name="options">The parsed options.</param>
    /// <param name="error">Why parsing failed.</param>
    /// <returns><see langword="true"/> when every argument was understood.</returns>
    public static bool TryParse(
        IReadOnlyList<string> args,
        [NotNullWhen(true)] out LoadOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = null;
        Uri? url = null;
        int size = 32, window = 64, connections = 1;
        long count = 0;
        TimeSpan duration = TimeSpan.FromSeconds(5), warmup = TimeSpan.FromSeconds(1);
        var mode = LoadMode.Throughput;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var ok = arg switch
            {
                "--size" => TryPositive(value, out size),
                "--window" => TryPositive(value, out window),
                "--connections" => TryPositive(value, out connections),
                "--count" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count),
                "--duration" => BenchDuration.TryParse(value, out duration),
                "--warmup" => BenchDuration.TryParse(value, out warmup),
                "--latency" => SetMode(ref mode, LoadMode.Latency),
                "--idle" => SetMode(ref mode, LoadMode.Idle),
                _ when arg.StartsWith("--", StringComparison.Ordinal) => false,
                _ => url is null && Uri.TryCreate(arg, UriKind.Absolute, out url) && url.Scheme is "ws" or "wss",
            };
            if (!ok)
            {
                error = $"invalid argument '{arg}'{(value is null ? string.Empty : $" '{value}'")}";
                return false;
            }

            if (arg is not ("--latency" or "--idle") && arg.StartsWith("--", StringComparison.Ordinal))
            {
                i++;
            }
        }

        if (url is null)
        {
            error = "missing URL";
            return false;
        }

        options = new LoadOptions
        {
            Url = url,
            Size = size,
            Window = window,
            Duration = duration,
            Warmup = warmup,
            Count = count,
            Connections = connections,
            Mode = mode,
        };
        error = null;
        return true;
    }

    private static bool TryPositive(string? text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    private static bool SetMode(ref LoadMode mode, LoadMode selected)
    {
        if (mode != LoadMode.Throughput && mode != selected)
        {
            return false;
        }

        mode = selected;
        return true;
    }
}
