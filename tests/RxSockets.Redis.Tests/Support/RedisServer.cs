using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RxSockets.Redis.Tests.Support;

/// <summary>
/// A real redis-server on a free loopback port, empty (no persistence): started for a test, stopped (killed, as a
/// crash would) and started again on the same port, and killed when disposed.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts a server on a free port (another one when the port was taken meanwhile).</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Executable))
        {
            Assert.Fail($"{Executable} is missing: install the redis-server package (.ci/install-peers does).");
        }

        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(FreePort());
            if (await server.TryStartAsync(cancellationToken))
            {
                return server;
            }

            if (attempt == 5)
            {
                Assert.Fail("redis-server did not start on any of 5 free ports.");
            }
        }
    }

    /// <summary>A loopback port nothing listens on (bound to port 0, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the server and waits for it to exit; its data is gone.</summary>
    public async Task StopAsync()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }

        using var bound = new CancellationTokenSource(s_readyTimeout);
        await process.WaitForExitAsync(bound.Token);
        process.Dispose();
    }

    /// <summary>Starts the server again, empty, on the same port.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        if (!await TryStartAsync(cancellationToken))
        {
            Assert.Fail($"redis-server did not start again on port {Port}.");
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task<bool> TryStartAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        // Bounded: until it answers PING, or exits (the port was taken), or 30 s have passed.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < s_readyTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                _process = null;
                process.Dispose();
                return false;
            }

            if (await PingAsync(cancellationToken))
            {
                return true;
            }

            await Task.Delay(20, cancellationToken);
        }

        await StopAsync();
        return false;
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[64];
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(5));
            var read = await stream.ReadAsync(buffer, bound.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception error) when (error is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
