using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>
/// A headless Chromium (Debian's <c>chromium</c>, never a downloaded build) driven through the DevTools protocol on
/// a loopback port, with a fresh profile in a temporary folder that disposal deletes. Self-contained: it depends on
/// neither NUnit nor RxSockets, so another test project can link these files. Thread-safe.
/// </summary>
public sealed class HeadlessBrowser : IAsyncDisposable
{
    /// <summary>The Debian package's launcher.</summary>
    public const string DefaultExecutable = "/usr/bin/chromium";

    private const string DevToolsPrefix = "DevTools listening on ";
    private const int StderrLinesKept = 200;
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(5);

    // Root needs --no-sandbox; without the networking switches Chromium stalls trying to reach Google's services
    // from a machine without network access.
    private static readonly string[] s_arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
        "--disable-default-apps", "--mute-audio", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
    ];

    private readonly Process _process;
    private readonly string _profileDirectory;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<Uri> _endpoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stderrPump;
    private readonly Task _stdoutPump;
    private DevToolsConnection? _devTools;
    private int _disposed;

    private HeadlessBrowser(Process process, string profileDirectory)
    {
        _process = process;
        _profileDirectory = profileDirectory;
        _stderrPump = PumpStderrAsync();
        _stdoutPump = process.StandardOutput.ReadToEndAsync();
    }

    /// <summary>Gets the last lines Chromium wrote to stderr, for assertion messages.</summary>
    /// <value>At most 200 lines joined by newlines.</value>
    public string StandardError => string.Join('\n', _stderr);

    /// <summary>Starts <see cref="DefaultExecutable"/> headless with <paramref name="extraArguments"/> (for example
    /// <c>--ignore-certificate-errors</c>) and connects to its DevTools endpoint.</summary>
    public static Task<HeadlessBrowser> LaunchAsync(IEnumerable<string>? extraArguments, CancellationToken cancellationToken) =>
        LaunchAsync(DefaultExecutable, extraArguments, cancellationToken);

    /// <summary>Starts the Chromium at <paramref name="executable"/> headless with <paramref name="extraArguments"/> and
    /// connects to its DevTools endpoint. A missing executable throws <see cref="BrowserException"/> naming the package.</summary>
    public static async Task<HeadlessBrowser> LaunchAsync(string executable, IEnumerable<string>? extraArguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(executable);
        if (!File.Exists(executable))
        {
            throw new BrowserException($"{executable} not found: install Debian's chromium package (.ci/install-peers does, as root).");
        }

        var profile = Directory.CreateTempSubdirectory("rxsockets-chromium-").FullName;
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in s_arguments.Concat(extraArguments ?? []).Append($"--user-data-dir={profile}").Append("about:blank"))
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new BrowserException($"Could not start {executable}.");
        }
        catch (Win32Exception error)
        {
            DeleteProfile(profile);
            throw new BrowserException($"Could not start {executable}: {error.Message}", error);
        }

        var browser = new HeadlessBrowser(process, profile);
        try
        {
            var endpoint = await browser._endpoint.Task.WaitAsync(cancellationToken);
            browser._devTools = await DevToolsConnection.ConnectAsync(endpoint, cancellationToken);
            return browser;
        }
        catch (Exception error) when (error is OperationCanceledException or BrowserException or System.Net.WebSockets.WebSocketException)
        {
            var stderr = browser.StandardError;
            await browser.DisposeAsync();
            throw new BrowserException($"Chromium did not open its DevTools endpoint.\n--- stderr ---\n{stderr}", error);
        }
    }

    /// <summary>Opens a new tab on about:blank, with console and page events enabled.</summary>
    public async Task<BrowserPage> OpenPageAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var devTools = _devTools ?? throw new InvalidOperationException("The browser is not connected.");
        var target = await devTools.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, sessionId: null, cancellationToken);
        var attached = await devTools.SendAsync(
            "Target.attachToTarget", new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true }, sessionId: null, cancellationToken);
        var page = new BrowserPage(devTools, attached.GetProperty("sessionId").GetString() ?? throw new BrowserException("Target.attachToTarget returned no session."));
        await page.SendAsync("Runtime.enable", parameters: null, cancellationToken);
        await page.SendAsync("Page.enable", parameters: null, cancellationToken);
        await page.SendAsync("Log.enable", parameters: null, cancellationToken);
        return page;
    }

    /// <summary>Kills Chromium's process tree, waits (bounded) for it to exit and deletes its profile. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_devTools is { } devTools)
        {
            await devTools.DisposeAsync();
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception error) when (error is InvalidOperationException or Win32Exception)
        {
            // Already exited, or exiting while we killed it.
        }

        using var timeout = new CancellationTokenSource(s_exitTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(_stderrPump, _stdoutPump).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A browser that outlives its kill is left to the OS; the profile deletion below may then fail quietly.
        }

        _process.Dispose();
        DeleteProfile(_profileDirectory);
    }

    private static void DeleteProfile(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A straggling child still writing; the temp folder is cleaned by the OS eventually.
        }
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                _stderr.Enqueue(line);
                while (_stderr.Count > StderrLinesKept && _stderr.TryDequeue(out _))
                {
                }

                var start = line.IndexOf(DevToolsPrefix, StringComparison.Ordinal);
                if (start >= 0)
                {
                    _endpoint.TrySetResult(new Uri(line[(start + DevToolsPrefix.Length)..].Trim()));
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke as the process died.
        }
        finally
        {
            _endpoint.TrySetException(new BrowserException("Chromium exited before printing its DevTools endpoint."));
        }
    }
}
