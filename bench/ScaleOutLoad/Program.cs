using System.Globalization;
using RxSockets.Bench;
using RxSockets.Bench.ScaleOutLoad;

// The scale-out load generator, the same for every stack (bench/scaleout.sh): C subscriber connections spread
// round-robin over the nodes' URLs (a lean raw-socket WebSocket client: one socket read parses many frames), a
// control file shared with the publishing node (ScaleOutControl), and sequence-number and latency checks per message.
// The last stdout line is
//   result: deliveries_per_s=<n> p50_us=<f> p99_us=<f> p999_us=<f> lost=<n> dup=<n> ooo=<n> published=<n>
//           publish_per_s=<n> dead=<n> samples=<n> load_cpu=<f>
// (publish_per_s during the measured interval; load_cpu: this process's CPU time over the measured interval, in cores).
// Usage: ScaleOutLoad URL [URL ...] --control FILE [--connections C] [--duration D] [--warmup D]
//        [--protocol raw|signalr] [--sample K]      (every K-th connection records latencies)
const string usage = "usage: ScaleOutLoad URL [URL ...] --control FILE [--connections C] [--duration D] [--warmup D] [--protocol raw|signalr] [--sample K]";
var urls = new List<Uri>();
string? controlPath = null;
var connections = 1000;
var duration = TimeSpan.FromSeconds(5);
var warmup = TimeSpan.FromSeconds(1);
var protocol = "raw";
var sample = 10;
var i = 0;
for (; i < args.Length && !args[i].StartsWith("--", StringComparison.Ordinal); i++)
{
    if (!Uri.TryCreate(args[i], UriKind.Absolute, out var url) || url.Scheme != "ws")
    {
        Console.Error.WriteLine(usage);
        return 2;
    }

    urls.Add(url);
}

for (; i < args.Length; i += 2)
{
    var value = i + 1 < args.Length ? args[i + 1] : "";
    var ok = args[i] switch
    {
        "--control" => (controlPath = value).Length > 0,
        "--connections" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out connections) && connections > 0,
        "--duration" => BenchDuration.TryParse(value, out duration) && duration > TimeSpan.Zero,
        "--warmup" => BenchDuration.TryParse(value, out warmup),
        "--protocol" => (protocol = value) is "raw" or "signalr",
        "--sample" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out sample) && sample > 0,
        _ => false,
    };
    if (!ok)
    {
        Console.Error.WriteLine($"bad argument {args[i]} {value}\n{usage}");
        return 2;
    }
}

if (urls.Count == 0 || controlPath is null)
{
    Console.Error.WriteLine(usage);
    return 2;
}

try
{
    using var run = await ScaleOutRun.OpenAsync(ScaleOutControl.Open(controlPath), urls, connections, protocol == "signalr", sample);
    return await run.MeasureAsync(warmup, duration, urls.Count, Console.Out);
}
catch (Exception error) when (error is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
{
    Console.Error.WriteLine($"load generator failed: {error.Message}");
    return 1;
}
