using System.Globalization;
using RxSockets.Bench;
using RxSockets.Bench.FanoutLoad;

// The fan-out load generator, the same for every server: N subscriber connections and one publisher (all
// System.Net.WebSockets ClientWebSocket); the publisher keeps at most W messages per subscriber undelivered, and the
// deliveries the subscribers count after the warm-up are divided by the measured time.
// Usage: FanoutLoad URL [--connections N] [--duration D] [--warmup D] [--size B] [--window W]
if (args.Length == 0 || !Uri.TryCreate(args[0], UriKind.Absolute, out var url))
{
    Console.Error.WriteLine("usage: FanoutLoad URL [--connections N] [--duration D] [--warmup D] [--size B] [--window W]");
    return 2;
}

var connections = 1000;
var duration = TimeSpan.FromSeconds(5);
var warmup = TimeSpan.FromSeconds(1);
var size = 64;
var window = 8;
for (var i = 1; i + 1 < args.Length; i += 2)
{
    var ok = args[i] switch
    {
        "--connections" => int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out connections) && connections > 0,
        "--duration" => BenchDuration.TryParse(args[i + 1], out duration),
        "--warmup" => BenchDuration.TryParse(args[i + 1], out warmup),
        "--size" => int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out size) && size > 0,
        "--window" => int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out window) && window > 0,
        _ => false,
    };
    if (!ok)
    {
        Console.Error.WriteLine($"bad argument {args[i]} {args[i + 1]}");
        return 2;
    }
}

await using var run = await FanoutRun.OpenAsync(url, connections, window);
var perSecond = await run.MeasureAsync(size, warmup, duration);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"deliveries_per_second {perSecond:F0}"));
return 0;
