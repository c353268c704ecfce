using System.Reflection;

namespace RxSockets.Cli;

/// <summary>Picks the command from the first argument and maps failures to exit codes (see <see cref="ExitCodes"/>).</summary>
internal static class Dispatcher
{
    public const string Usage = """
        Usage: rxsockets COMMAND [options]

        A command-line tool for the RxSockets WebSocket engine.

        Commands:
          serve        run an echo or broadcast server
          connect      an interactive client: stdin lines out, received messages to stdout
          echo-client  a client that sends back everything it receives
          bench        measure an echo server's throughput or latency
          subscribe    print a topic's publications (messaging protocol), recovered across reconnects
          publish      publish stdin lines to a topic (messaging protocol), each acknowledged
          request      send one request (messaging protocol) and print the reply

        Run 'rxsockets COMMAND --help' for a command's options, 'rxsockets --version' for the version.
        Durations are written like 500ms, 3s, 1m or 2m30s; options as '--name value' or '--name=value'.
        Errors go to stderr. Exit codes: 0 success, 1 connection or handshake failure (or an unclean close),
        2 usage error.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var rest = args.Skip(1).ToArray();
            return args.FirstOrDefault() switch
            {
                "serve" => await ServeCommand.RunAsync(rest).ConfigureAwait(false),
                "connect" => await ConnectCommand.RunAsync(rest).ConfigureAwait(false),
                "echo-client" => await EchoClientCommand.RunAsync(rest).ConfigureAwait(false),
                "bench" => await BenchCommand.RunAsync(rest).ConfigureAwait(false),
                "subscribe" => await SubscribeCommand.RunAsync(rest).ConfigureAwait(false),
                "publish" => await PublishCommand.RunAsync(rest).ConfigureAwait(false),
                "request" => await RequestCommand.RunAsync(rest).ConfigureAwait(false),
                "-h" or "--help" or "help" when args.Length == 1 => await HelpAsync().ConfigureAwait(false),
                "--version" when args.Length == 1 => await VersionAsync().ConfigureAwait(false),
                null => throw new UsageException("missing command (see 'rxsockets --help')"),
                var other => throw new UsageException($"unknown command '{other}' (see 'rxsockets --help')"),
            };
        }
        catch (UsageException error)
        {
            await Console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
    }

    private static async Task<int> HelpAsync()
    {
        await Console.Out.WriteAsync(Usage).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> VersionAsync()
    {
        await Console.Out.WriteLineAsync(Version).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>The package version (src/Directory.Build.props), as the informational version without build metadata.</summary>
    public static string Version
    {
        get
        {
            var informational = typeof(Dispatcher).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(Dispatcher).Assembly.GetName().Version?.ToString() ?? "unknown";
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? informational : informational[..plus];
        }
    }
}
