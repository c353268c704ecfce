using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace RxSockets.Interop.Tests.Support;

/// <summary>
/// A running peer script (node or python) whose stdout lines are awaited as signals. Disposal kills the
/// process tree. Thread-safety: one test drives an instance; <see cref="WaitForLineAsync"/> must not be
/// called concurrently with itself.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private const string ListeningPrefix = "listening ";
    private static readonly TimeSpan s_disposeTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private int _disposed;

    private PeerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _stdoutPump = PumpStdoutAsync();
        _stderrPump = PumpStderrAsync();
    }

    /// <summary>Gets the command line, for messages.</summary>
    /// <value>Executable, script and arguments separated by spaces.</value>
    public string Name { get; }

    /// <summary>Gets the port a server peer printed in its <c>listening &lt;port&gt;</c> line.</summary>
    /// <value>0 for client peers.</value>
    public int Port { get; private set; }

    /// <summary>Gets the WebSocket address of a server peer.</summary>
    /// <value><c>ws://127.0.0.1:&lt;port&gt;/</c>.</value>
    public Uri Uri => new($"ws://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Gets every stdout line so far, including lines already consumed by waits.</summary>
    /// <value>A snapshot.</value>
    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    /// <summary>Gets everything the peer wrote to stderr so far.</summary>
    /// <value>A snapshot, lines joined by newlines.</value>
    public string StandardError => string.Join('\n', _stderr);

    /// <summary>Starts a node <c>ws-server.js</c> and returns once it prints <c>listening &lt;port&gt;</c>.</summary>
    public static Task<PeerProcess> StartNodeServerAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        StartServerAsync(PeerKind.Node, arguments, cancellationToken);

    /// <summary>Starts a python <c>py-server.py</c> and returns once it prints <c>listening &lt;port&gt;</c>.</summary>
    public static Task<PeerProcess> StartPythonServerAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        StartServerAsync(PeerKind.Python, arguments, cancellationToken);

    /// <summary>Starts a node <c>ws-client.js</c> connecting to <paramref name="uri"/>.</summary>
    public static Task<PeerProcess> StartNodeClientAsync(Uri uri, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        StartClientAsync(PeerKind.Node, uri, arguments, cancellationToken);

    /// <summary>Starts a python <c>py-client.py</c> connecting to <paramref name="uri"/>.</summary>
    public static Task<PeerProcess> StartPythonClientAsync(Uri uri, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        StartClientAsync(PeerKind.Python, uri, arguments, cancellationToken);

    /// <summary>Starts the server script of <paramref name="kind"/> and returns once it prints <c>listening &lt;port&gt;</c>.</summary>
    public static Task<PeerProcess> StartServerAsync(PeerKind kind, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        StartServerAsync(kind, PeerInstallation.ServerScript(kind), arguments, cancellationToken);

    /// <summary>Starts the server <paramref name="script"/> of <paramref name="kind"/> and returns once it prints
    /// <c>listening &lt;port&gt;</c>.</summary>
    public static async Task<PeerProcess> StartServerAsync(PeerKind kind, string script, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var peer = await StartAsync(kind, script, arguments, cancellationToken);
        try
        {
            var line = await peer.WaitForLineAsync(l => l.StartsWith(ListeningPrefix, StringComparison.Ordinal), cancellationToken);
            peer.Port = int.Parse(line.AsSpan(ListeningPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the client script of <paramref name="kind"/>, with <paramref name="uri"/> as its first argument
    /// (escaped, as <see cref="Uri.AbsoluteUri"/>: <see cref="Uri.ToString"/> would unescape %20 into a space).</summary>
    public static Task<PeerProcess> StartClientAsync(PeerKind kind, Uri uri, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return StartAsync(kind, PeerInstallation.ClientScript(kind), [uri.AbsoluteUri, .. arguments], cancellationToken);
    }

    /// <summary>Starts <paramref name="script"/> from the peers folder with the runtime of <paramref name="kind"/>.</summary>
    public static Task<PeerProcess> StartAsync(PeerKind kind, string script, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        StartAsync(kind, script, arguments, environment: null, cancellationToken);

    /// <summary>Starts <paramref name="script"/> from the peers folder with the runtime of <paramref name="kind"/>, with
    /// <paramref name="environment"/> added to its environment variables.</summary>
    public static async Task<PeerProcess> StartAsync(
        PeerKind kind, string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(arguments);
        await PeerInstallation.EnsureInstalledAsync(kind, cancellationToken);

        var directory = PeerInstallation.PeersDirectory;
        var startInfo = new ProcessStartInfo(PeerInstallation.Executable(kind))
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(directory, script));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["PYTHONUNBUFFERED"] = "1";
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[variable] = value;
        }

        var name = string.Join(' ', [startInfo.FileName, script, .. startInfo.ArgumentList.Skip(1)]);
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new PeerProcessException($"Could not start {name}.");
        }
        catch (Win32Exception error)
        {
            Assert.Fail($"Could not start {name}: {error.Message}. Run .ci/install-peers (as root) to install the interop peers.");
            throw;
        }

        return new PeerProcess(process, name);
    }

    /// <summary>
    /// Waits for the next stdout line that satisfies <paramref name="match"/>; lines before it are consumed.
    /// Throws <see cref="PeerProcessException"/>, with the peer's output, when the peer exits first or the token fires.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cancellationToken))
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException error) when (cancellationToken.IsCancellationRequested)
        {
            throw new PeerProcessException($"Timed out waiting for a line from {Name}.\n{Describe()}", error);
        }

        await _stderrPump.WaitAsync(cancellationToken);
        throw new PeerProcessException($"{Name} closed stdout without printing the expected line.\n{Describe()}");
    }

    /// <summary>Waits for the next stdout line that starts with <paramref name="prefix"/>.</summary>
    public Task<string> WaitForLineStartingWithAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return WaitForLineAsync(line => line.StartsWith(prefix, StringComparison.Ordinal), cancellationToken);
    }

    /// <summary>Waits for the next <c>closed &lt;code&gt; &lt;reason&gt;</c> line and parses it.</summary>
    public async Task<PeerClosure> WaitForClosedAsync(CancellationToken cancellationToken) =>
        PeerClosure.Parse(await WaitForLineStartingWithAsync(PeerClosure.LinePrefix, cancellationToken));

    /// <summary>Waits for the process to exit and its output to drain, and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken);
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException error) when (cancellationToken.IsCancellationRequested)
        {
            throw new PeerProcessException($"Timed out waiting for {Name} to exit.\n{Describe()}", error);
        }

        return _process.ExitCode;
    }

    /// <summary>Describes the peer's output so far, for assertion messages.</summary>
    public string Describe() =>
        $"--- {Name} stdout ---\n{string.Join('\n', _stdout)}\n--- stderr ---\n{StandardError}\n---";

    /// <summary>Kills the process tree if it is still running and waits, bounded, for it to go. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception)
        {
            // Exiting while we killed it.
        }

        using var timeout = new CancellationTokenSource(s_disposeTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            TestContext.Progress.WriteLine($"{Name} did not exit within {s_disposeTimeout} of being killed.");
        }

        _process.Dispose();
    }

    private async Task PumpStdoutAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                _stdout.Enqueue(line);
                _lines.Writer.TryWrite(line);
            }
        }
        catch (IOException)
        {
            // The pipe broke as the process died; waits see the channel complete.
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                _stderr.Enqueue(line);
            }
        }
        catch (IOException)
        {
            // As for stdout.
        }
    }
}
