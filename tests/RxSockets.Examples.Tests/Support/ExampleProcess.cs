using System.Diagnostics;
using System.Text;

namespace RxSockets.Examples.Tests.Support;

/// <summary>
/// A built example run as its own OS process (<c>dotnet RxSockets.Examples.dll ARGS</c>, from this test's output
/// folder, where the example's dll, deps and runtimeconfig are copied), its stdout kept line by line in
/// <see cref="Output"/> to await lines from. Disposing kills it (SIGKILL) if it still runs.
/// </summary>
internal sealed class ExampleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ExampleProcess(Process process) => _process = process;

    /// <summary>What the process printed to stdout.</summary>
    public LineWriter Output { get; } = new();

    /// <summary>What the process printed to stderr so far.</summary>
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

    /// <summary>Starts <paramref name="assembly"/> (a dll in the test's output folder) with <paramref name="args"/>.</summary>
    public static ExampleProcess Start(string assembly, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var started = new ExampleProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                started.Output.WriteLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (started._stderr)
                {
                    started._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Waits for a stdout line starting with <paramref name="prefix"/>; fails with what the process printed
    /// when it exits first.</summary>
    public async Task<string> WaitForLineAsync(string prefix, CancellationToken cancellationToken) =>
        await WaitForLineAsync(line => line.StartsWith(prefix, StringComparison.Ordinal), $"a line starting with '{prefix}'", cancellationToken);

    /// <summary>Waits for a stdout line that matches <paramref name="predicate"/>; fails with what the process printed
    /// when it exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, string what, CancellationToken cancellationToken)
    {
        var line = Output.WaitForLineAsync(predicate, cancellationToken);
        var exited = _process.WaitForExitAsync(cancellationToken);
        if (await Task.WhenAny(line, exited) == line)
        {
            return await line;
        }

        await exited;
        if (line.IsCompleted)
        {
            return await line;
        }

        throw new InvalidOperationException(
            $"The process exited ({_process.ExitCode}) before printing {what}.\nstdout:\n{string.Join('\n', Output.Lines)}\nstderr:\n{Stderr}");
    }

    /// <summary>Kills the process at once (SIGKILL: no clean-up of any kind, as a crash) and waits for it to exit.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // never started, or already gone
        }

        _process.Dispose();
    }
}
