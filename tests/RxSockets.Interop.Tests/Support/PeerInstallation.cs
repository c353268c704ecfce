using System.Diagnostics;

namespace RxSockets.Interop.Tests.Support;

/// <summary>
/// Locates the peer scripts and checks that their runtimes are installed. Interop tests never skip: a missing
/// peer fails the test and names the command that installs it. Thread-safe.
/// </summary>
public static class PeerInstallation
{
    /// <summary>The node executable, found on PATH.</summary>
    public const string NodeExecutable = "node";

    /// <summary>The system python: Debian's python3-websockets installs for it, not for a pyenv python.</summary>
    public const string PythonExecutable = "/usr/bin/python3";

    private const string InstallHint = "Run .ci/install-peers (as root) to install the interop peers; interop tests fail rather than skip.";
    private static readonly string s_peersRelativePath = Path.Combine("tests", "RxSockets.Interop.Tests", "peers");
    private static readonly Lazy<Task<string?>> s_pythonProblem = new(ProbePythonAsync);

    /// <summary>Gets the peers folder in the source tree, where <c>npm ci</c> installed <c>node_modules</c>.</summary>
    /// <value>Found by walking up from the test assembly's folder; fails the test when absent.</value>
    public static string PeersDirectory => FindPeersDirectory() ?? throw new AssertionException(
        $"Cannot find {s_peersRelativePath} above {TestContext.CurrentContext.TestDirectory}.");

    /// <summary>Gets the executable that runs scripts of <paramref name="kind"/>.</summary>
    public static string Executable(PeerKind kind) => kind == PeerKind.Node ? NodeExecutable : PythonExecutable;

    /// <summary>Gets the server script of <paramref name="kind"/>.</summary>
    public static string ServerScript(PeerKind kind) => kind == PeerKind.Node ? "ws-server.js" : "py-server.py";

    /// <summary>Gets the client script of <paramref name="kind"/>.</summary>
    public static string ClientScript(PeerKind kind) => kind == PeerKind.Node ? "ws-client.js" : "py-client.py";

    /// <summary>Fails the current test with an installation hint when the peers of <paramref name="kind"/> are missing.</summary>
    public static async Task EnsureInstalledAsync(PeerKind kind, CancellationToken cancellationToken)
    {
        var problem = kind == PeerKind.Node
            ? ProbeNode()
            : await s_pythonProblem.Value.WaitAsync(cancellationToken);
        if (problem is not null)
        {
            Assert.Fail($"{problem} {InstallHint}");
        }
    }

    private static string? FindPeersDirectory()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, s_peersRelativePath);
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? ProbeNode()
    {
        var ws = Path.Combine(PeersDirectory, "node_modules", "ws", "package.json");
        return File.Exists(ws) ? null : $"node's ws package is missing ({ws} not found).";
    }

    private static async Task<string?> ProbePythonAsync()
    {
        if (!File.Exists(PythonExecutable))
        {
            return $"{PythonExecutable} not found.";
        }

        var startInfo = new ProcessStartInfo(PythonExecutable)
        {
            ArgumentList = { "-c", "import websockets" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var probe = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {PythonExecutable}.");
        var stdout = probe.StandardOutput.ReadToEndAsync();
        var stderr = await probe.StandardError.ReadToEndAsync();
        await stdout;
        await probe.WaitForExitAsync();
        return probe.ExitCode == 0 ? null : $"python websockets is not importable by {PythonExecutable}: {stderr.Trim()}";
    }
}
