using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace RxSockets.Interop.Tests.Support;

/// <summary>
/// A real HTTP proxy: Debian's <c>tinyproxy</c> (installed by .ci/install-peers), started in the foreground on
/// 127.0.0.1 with a generated configuration in its own temporary folder — never the packaged service.
/// </summary>
public sealed class TinyProxy : IAsyncDisposable
{
    private const string ReadyLine = "listening on fd";

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;

    private TinyProxy(Process process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _stdoutPump = PumpAsync(process.StandardOutput, toChannel: true);
        _stderrPump = PumpAsync(process.StandardError, toChannel: false);
    }

    /// <summary>Gets the port the proxy listens on.</summary>
    public int Port { get; }

    /// <summary>Gets the proxy's URL.</summary>
    public Uri Url => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Gets the proxy's log so far.</summary>
    public string Log => string.Join('\n', _output);

    /// <summary>Starts a proxy that lets 127.0.0.1 tunnel (CONNECT) to <paramref name="connectPort"/> only, asking for
    /// Basic credentials when <paramref name="user"/> is given.</summary>
    public static async Task<TinyProxy> StartAsync(int connectPort, string? user, string? password, CancellationToken cancellationToken)
    {
        var executable = new[] { "/usr/bin/tinyproxy", "/usr/sbin/tinyproxy" }.FirstOrDefault(File.Exists);
        if (executable is null)
        {
            Assert.Fail("tinyproxy is not installed. Run .ci/install-peers (as root) to install it.");
        }

        // tinyproxy needs a fixed port: take a free one, and try again if another process grabs it first.
        for (var attempt = 1; ; attempt++)
        {
            var proxy = Start(executable!, FreePort(), connectPort, user, password);   // Assert.Fail above throws
            try
            {
                await proxy.WaitForLineAsync(ReadyLine, cancellationToken);
                return proxy;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await proxy.DisposeAsync();
            }
            catch
            {
                await proxy.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Waits for the next log line containing <paramref name="text"/>.</summary>
    /// <exception cref="InvalidOperationException">The proxy exited first.</exception>
    public async Task<string> WaitForLineAsync(string text, CancellationToken cancellationToken)
    {
        await foreach (var line in _lines.Reader.ReadAllAsync(cancellationToken))
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"tinyproxy exited before logging '{text}':\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Bounded: a stuck process is left to the OS rather than hanging the test run.
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }

    private static TinyProxy Start(string executable, int port, int connectPort, string? user, string? password)
    {
        var directory = Directory.CreateTempSubdirectory("rxsockets-tinyproxy-");
        var config = Path.Combine(directory.FullName, "tinyproxy.conf");
        var lines = new List<string>
        {
            $"Port {port.ToString(CultureInfo.InvariantCulture)}",
            "Listen 127.0.0.1",
            "Timeout 30",
            "MaxClients 16",
            "Allow 127.0.0.1",
            $"ConnectPort {connectPort.ToString(CultureInfo.InvariantCulture)}",
            "LogLevel Info",
        };
        if (user is not null)
        {
            lines.Add($"BasicAuth {user} {password}");
        }

        File.WriteAllLines(config, lines);
        var startInfo = new ProcessStartInfo(executable)
        {
            ArgumentList = { "-d", "-c", config },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory.FullName,
        };
        try
        {
            var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {executable}.");
            return new TinyProxy(process, directory, port);
        }
        catch (Win32Exception error)
        {
            directory.Delete(recursive: true);
            throw new InvalidOperationException($"Could not start {executable}: {error.Message}", error);
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task PumpAsync(StreamReader reader, bool toChannel)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            _output.Enqueue(line);
            if (toChannel)
            {
                _lines.Writer.TryWrite(line);
            }
        }

        if (toChannel)
        {
            _lines.Writer.TryComplete();
        }
    }
}
