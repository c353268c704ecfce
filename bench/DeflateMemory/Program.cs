using System.Runtime.InteropServices;
using System.Text;
using RxSockets;

// The memory permessage-deflate costs per connection, by window size and memLevel: N loopback connections between
// our client and our server in this process, each having sent and received one compressed message (so every zlib
// stream exists: compressors allocate everything at start, inflaters their window at first use), against the same N
// connections without compression. Native memory is glibc's count of bytes in use (mallinfo2: zlib allocates through
// malloc), managed memory the GC's live bytes after a full collection. Each connection has two ends (a compressor and
// an inflater each), both configured alike, so the per-end figure is half the per-pair difference.
// Usage: dotnet run -c Release --project bench/DeflateMemory [-- CONNECTIONS]   (default 200)
var connections = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200;
(string Name, PerMessageDeflateOptions? Options)[] configurations =
[
    ("no compression (baseline)", null),
    ("window 15, memLevel 8 (default)", Deflate(15, 8)),
    ("window 12, memLevel 8", Deflate(12, 8)),
    ("window 9, memLevel 8", Deflate(9, 8)),
    ("window 15, memLevel 4", Deflate(15, 4)),
    ("window 12, memLevel 5 (python's default)", Deflate(12, 5)),
    ("window 9, memLevel 1", Deflate(9, 1)),
    ("window 15, memLevel 8, no context takeover", Deflate(15, 8, noContext: true)),
];

var payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"type\":\"tick\",\"price\":101.25,\"volume\":3} ", 100)));
await MeasureAsync(Deflate(15, 8));   // warm-up: JIT, pools, first-use allocations
var baseline = await MeasureAsync(null);
Console.WriteLine($"{connections} connections, payload {payload.Length} B; per connection end (one compressor + one inflater), beyond the baseline:");
Console.WriteLine($"{"configuration",-45} {"native KiB",12} {"managed KiB",12} {"total KiB",12}");
foreach (var (name, options) in configurations.Skip(1))
{
    var (native, managed) = await MeasureAsync(options);
    var nativePerEnd = (native - baseline.Native) / (2.0 * connections) / 1024;
    var managedPerEnd = (managed - baseline.Managed) / (2.0 * connections) / 1024;
    Console.WriteLine($"{name,-45} {nativePerEnd,12:F1} {managedPerEnd,12:F1} {nativePerEnd + managedPerEnd,12:F1}");
}

async Task<(long Native, long Managed)> MeasureAsync(PerMessageDeflateOptions? options)
{
    var serverOptions = new WebSocketServerOptions { PerMessageDeflate = options, KeepAliveInterval = Timeout.InfiniteTimeSpan };
    await using var server = await WebSocketServer.StartAsync(serverOptions);
    var accepted = new List<WebSocketConnection>();
    var serving = Task.Run(async () =>
    {
        await foreach (var connection in server.AcceptAllAsync())
        {
            accepted.Add(connection);
            var echo = await connection.ReadAllAsync().FirstAsync();
            await connection.SendAsync(echo);
            if (accepted.Count == connections)
            {
                return;
            }
        }
    });
    var clients = new List<WebSocketConnection>();
    for (var i = 0; i < connections; i++)
    {
        var client = await WebSocketConnection.ConnectAsync(server.Url,
            new WebSocketClientOptions { PerMessageDeflate = options, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        await client.SendAsync(Message.Binary(payload));
        var echo = await client.ReadAllAsync().FirstAsync();
        if (echo.Data.Length != payload.Length || (options is not null && client.Extensions.Length == 0))
        {
            throw new InvalidOperationException("The echo or the negotiation went wrong.");
        }

        clients.Add(client);
    }

    await serving;
    var managed = GC.GetTotalMemory(forceFullCollection: true);
    var native = MallocInUse();
    foreach (var connection in clients.Concat(accepted))
    {
        await connection.DisposeAsync();
    }

    return (native, managed);
}

static PerMessageDeflateOptions Deflate(int bits, int memLevel, bool noContext = false) => new()
{
    Threshold = 0,
    ServerMaxWindowBits = bits,
    ClientMaxWindowBits = bits,
    MemoryLevel = memLevel,
    ServerNoContextTakeover = noContext,
    ClientNoContextTakeover = noContext,
};

// Bytes in use by malloc: small chunks (uordblks) plus mmap'd ones (hblkhd).
static long MallocInUse()
{
    var info = NativeMethods.mallinfo2();
    return (long)(info.Uordblks + info.Hblkhd);
}

internal static partial class NativeMethods
{
    [LibraryImport("libc")]
    internal static partial MallInfo2 mallinfo2();
}

[StructLayout(LayoutKind.Sequential)]
internal struct MallInfo2
{
    public nuint Arena;
    public nuint Ordblks;
    public nuint Smblks;
    public nuint Hblks;
    public nuint Hblkhd;
    public nuint Usmblks;
    public nuint Fsmblks;
    public nuint Uordblks;
    public nuint Fordblks;
    public nuint Keepcost;
}
