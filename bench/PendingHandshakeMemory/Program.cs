// What pending handshakes cost the server: N sockets, opened by a separate process (python3 trickle.py) so that the
// clients' memory is not counted, each stopped in the middle of its upgrade request (or silent). Prints the growth of
// the managed heap (after a full collection) and of the working set, in all and per socket. Memory only, no timing.
//   dotnet run -c Release --project bench/PendingHandshakeMemory -- [COUNT=1000] [silent]
using System.Diagnostics;
using RxSockets;

var count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1000;
var silent = args.Length > 1 && args[1] == "silent";
await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
{
    MaxPendingHandshakes = count,
    HandshakeTimeout = TimeSpan.FromMinutes(5),
});

// A few first, let go, so that first-use costs (JIT, pools, the handshake ring) are not counted.
await HoldAsync(16, silent, async () => await Task.CompletedTask);
var (heapBefore, setBefore) = Measure();
await HoldAsync(count, silent, () =>
{
    var (heap, set) = Measure();
    Console.WriteLine($"{count} pending handshakes ({(silent ? "silent" : "part of a request sent")}), {server.ClientCount} clients, transport {(Environment.GetEnvironmentVariable("RXSOCKETS_EPOLL") == "0" ? ".NET sockets" : "default")}");
    Console.WriteLine($"managed heap +{heap - heapBefore} B ({(heap - heapBefore) / count} B each), working set +{set - setBefore} B ({(set - setBefore) / count} B each)");
    return Task.CompletedTask;
});

async Task HoldAsync(int sockets, bool quiet, Func<Task> whileHeld)
{
    var script = Path.Combine(AppContext.BaseDirectory, "trickle.py");
    using var clients = Process.Start(new ProcessStartInfo("python3", [script, server.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), sockets.ToString(System.Globalization.CultureInfo.InvariantCulture), quiet ? "silent" : "bytes"])
    {
        RedirectStandardInput = true,
    })!;
    while (server.PendingHandshakeCount < sockets)
    {
        await Task.Delay(10);   // a measuring tool, not a test: polling is fine
    }

    await whileHeld();
    clients.StandardInput.Close();
    await clients.WaitForExitAsync();
    while (server.PendingHandshakeCount > 0)
    {
        await Task.Delay(10);
    }
}

static (long Heap, long WorkingSet) Measure()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    using var process = Process.GetCurrentProcess();
    return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
}
