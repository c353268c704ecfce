using System.Net.WebSockets;
using RxSockets.Bench;
using RxSockets.Bench.ClientWebSocketLoad;

if (!LoadOptions.TryParse(args, out var options, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

try
{
    var result = options.Mode switch
    {
        LoadMode.Latency => await LatencyRun.RunAsync(options),
        LoadMode.Idle => await IdleRun.RunAsync(options),
        _ => await ThroughputRun.RunAsync(options),
    };
    Console.WriteLine(result);
    return 0;
}
catch (Exception e) when (e is WebSocketException or IOException or InvalidDataException or OperationCanceledException)
{
    Console.Error.WriteLine($"load generator failed: {e.Message}");
    return 1;
}
