using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace RxSockets.Cli.Tests.Support;

/// <summary>
/// The built tool (<c>dotnet RxSockets.Cli.dll ARGS</c>) as a child process, with stdout and stderr readable line by
/// line as they are printed. Disposing kills it if it still runs.
/// </summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _stdoutLines = Channel.CreateUnbounded<string>();
    private readonly Channel<string> _stderrLines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Everything printed to stdout so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Everything printed to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public StreamWriter Stdin => _process.StandardInput;

    public static CliProcess Start(params string[] args) => StartWith([], args);

    /// <summary>Starts the CLI with extra environment variables.</summary>
    public static CliProcess StartWith(IEnumerable<KeyValuePair<string, string>> environment, params string[] args)
    {
        var info = Redirected(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RxSockets.Cli.dll"));
        return Start(info, environment, args);
    }

    /// <summary>Starts another program (an installed <c>rxsockets</c> tool, for instance) the same way.</summary>
    public static CliProcess StartProgram(string fileName, IEnumerable<KeyValuePair<string, string>> environment, params string[] args) =>
        Start(Redirected(fileName), environment, args);

    /// <summary>A program started with its three streams redirected, in UTF-8 (no byte-order mark on stdin).</summary>
    private static ProcessStartInfo Redirected(string fileName) => new(fileName)
    {
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        StandardOutputEncoding = Encoding.UTF8,
        StandardErrorEncoding = Encoding.UTF8,
        StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        UseShellExecute = false,
    };

    private static CliProcess Start(ProcessStartInfo info, IEnumerable<KeyValuePair<string, string>> environment, string[] args)
    {
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => OnLine(e.Data, cli._stdout, cli._stdoutLines);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, cli._stderr, cli._stderrLines);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>The next line printed to stdout, or null when stdout ended.</summary>
    public ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => ReadAsync(_stdoutLines, cancellationToken);

    /// <summary>The next line printed to stderr, or null when stderr ended.</summary>
    public ValueTask<string?> ReadErrorLineAsync(CancellationToken cancellationToken) => ReadAsync(_stderrLines, cancellationToken);

    /// <summary>Waits for the first stderr line (from now on) that starts with <paramref name="prefix"/>.</summary>
    public async Task<string> WaitForErrorLineAsync(string prefix, CancellationToken cancellationToken)
    {
        while (await ReadErrorLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"stderr ended without a line starting with '{prefix}'. stderr: {Stderr}");
    }

    /// <summary>Waits for the process to exit and for its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Sends a POSIX signal, e.g. "TERM", with kill(1).</summary>
    public async Task SignalAsync(string signal, CancellationToken cancellationToken)
    {
        using var kill = Process.Start("kill", ["-" + signal, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async ValueTask<string?> ReadAsync(Channel<string> lines, CancellationToken cancellationToken) =>
        await lines.Reader.WaitToReadAsync(cancellationToken) && lines.Reader.TryRead(out var line) ? line : null;

    private static void OnLine(string? line, StringBuilder all, Channel<string> lines)
    {
        if (line is null)
        {
            lines.Writer.TryComplete();
            return;
        }

        lock (all)
        {
            all.AppendLine(line);
        }

        lines.Writer.TryWrite(line);
    }
}
