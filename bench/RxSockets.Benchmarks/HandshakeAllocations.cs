using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RxSockets.Benchmarks;

/// <summary>
/// Counts what the embedded server allocates, and keeps alive, per accepted connection: handshake and connection
/// setup on the plain ws:// path (epoll on x86-64 Linux). The clients are raw sockets in a child process (this program
/// in <c>handshake-client</c> mode), so every byte counted here is the server's. After warm-up connections, the
/// process's allocated bytes and its live heap (after a full collection) are read before and after the measured
/// connections are accepted, and divided by their count. The clients send their requests 64 at a time, as the idle
/// benchmark's load generator does. Accepted connections are only held, never read, as a server holds idle ones; with
/// <c>--echo</c> each one is served as <c>rxsockets serve --echo</c> serves it (a "connected" line on standard error, then
/// an echo loop), which is what <c>bench/run.sh</c>'s idle section measures.
/// </summary>
internal static class HandshakeAllocations
{
    private const int WarmUp = 64;
    private const int Parallel = 64;
    private static int s_echoing;

    public static async Task<int> RunAsync(int connections, bool echo, bool rss, bool types)
    {
        using var sampler = types ? new AllocationSampler() : null;
        var options = new WebSocketServerOptions { MaxConnections = connections + WarmUp + 16 };
        await using var server = await WebSocketServer.StartAsync(options);
        var held = new WebSocketConnection[connections + WarmUp];
        var accepted = 0;
        var enough = new SemaphoreSlim(0);
        var target = WarmUp;
        var accepting = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync())
            {
                held[accepted++] = connection;
                if (echo)
                {
                    _ = EchoAsync(connection);
                }

                if (accepted == Volatile.Read(ref target))
                {
                    enough.Release();
                }
            }
        });

        using var warmUp = StartClients(server.Url, WarmUp);
        await enough.WaitAsync();
        Volatile.Write(ref target, WarmUp + connections);

        var liveBefore = rss ? 0 : LiveBytes();
        var rssBefore = ResidentBytes();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        sampler?.Start();
        var clock = Stopwatch.StartNew();
        using var clients = StartClients(server.Url, connections);
        await enough.WaitAsync();
        clock.Stop();
        sampler?.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var rssAfter = ResidentBytes();
        var live = rss ? 0 : LiveBytes() - liveBefore;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accepted {connections} connections in {clock.Elapsed.TotalSeconds:F2}s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"per accepted connection: allocated {(double)allocated / connections:F0} B, live {(double)live / connections:F0} B, garbage {(double)(allocated - live) / connections:F0} B"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"resident set growth per connection: {(double)(rssAfter - rssBefore) / connections:F0} B"));
        sampler?.Print(allocated, connections);
        Console.WriteLine($"open: {held.Count(c => c?.State == ConnectionState.Open)}, echoing: {Volatile.Read(ref s_echoing)}");
        GC.KeepAlive(held);
        clients.StandardInput.Close();
        warmUp.StandardInput.Close();
        await clients.WaitForExitAsync();
        await warmUp.WaitForExitAsync();
        await server.StopAsync();
        await accepting;
        return 0;
    }

    /// <summary>The child process: opens <paramref name="connections"/> sockets, sends each an upgrade request, and
    /// holds them until its standard input closes.</summary>
    public static int RunClients(Uri url, int connections)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(url.Host), url.Port);
        var sockets = new Socket[connections];
        var key = new byte[16];
        var answer = new byte[1024];
        var requests = new byte[Parallel][];
        for (var wave = 0; wave < connections; wave += Parallel)
        {
            var end = Math.Min(connections, wave + Parallel);
            for (var i = wave; i < end; i++)
            {
                Random.Shared.NextBytes(key);
                var request = Encoding.ASCII.GetBytes(
                    $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                    $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Convert.ToBase64String(key)}\r\n\r\n");
                sockets[i] = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                sockets[i].Connect(endPoint);
                requests[i - wave] = request;
            }

            // As over a real network, the server accepts each socket before its request arrives, so the handshake
            // waits for it (the path that costs the most); a sleep is the only portable way to let it get there.
            Thread.Sleep(5);
            for (var i = wave; i < end; i++)
            {
                sockets[i].Send(requests[i - wave]);
            }

            for (var i = wave; i < end; i++)
            {
                // The 101 answer is one small write: one receive takes it.
                if (sockets[i].Receive(answer) == 0)
                {
                    throw new IOException("The server closed a connection during its handshake.");
                }
            }
        }

        _ = Console.In.ReadToEnd();
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        return 0;
    }

    private static async Task EchoAsync(WebSocketConnection connection)
    {
        await using (connection)
        {
            try
            {
                await Console.Error.WriteLineAsync($"connected #{connection.Id} {connection.RemoteEndPoint} {connection.Request?.Path}");
                Interlocked.Increment(ref s_echoing);
                await foreach (var message in connection.ReadAllAsync())
                {
                    await connection.SendAsync(message);
                }
            }
            catch (ConnectionClosedException)
            {
            }
        }
    }

    private static Process StartClients(Uri url, int connections)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, [typeof(HandshakeAllocations).Assembly.Location, "handshake-client", url.ToString(), connections.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (!Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.RemoveAt(0);
        }

        return Process.Start(start)!;
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : 1024 * long.Parse(line["VmRSS:".Length..^2].Trim(), CultureInfo.InvariantCulture);
    }

    private static long LiveBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
