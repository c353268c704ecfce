using System.Globalization;
using RxSockets.Examples.Shared;

namespace RxSockets.Dashboard;

/// <summary>How the dashboard runs: <c>[PORT] [--port P] [--interval 1s] [--backplane redis://HOST:PORT] [--node-id ID]
/// [--no-sampler]</c>.</summary>
public sealed record DashboardOptions
{
    /// <summary>The usage line of the options.</summary>
    public const string Usage = "[PORT] [--port P] [--interval 1s] [--backplane redis://HOST:PORT] [--node-id ID] [--no-sampler]";

    /// <summary>The port on 127.0.0.1; 0 picks a free one. Default 5080.</summary>
    public int Port { get; init; } = 5080;

    /// <summary>How often this node publishes a sample (when <see cref="Sampler"/>). Default 1 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A <c>redis://</c> URL: every instance started with the same one shares the <c>metrics</c> topic, so a
    /// page on any of them receives the samples of every sampling node. Null for this instance alone.</summary>
    public string? Backplane { get; init; }

    /// <summary>This node's id in the cluster (with <see cref="Backplane"/>); null for a random one. Every sample
    /// names the node that took it.</summary>
    public string? NodeId { get; init; }

    /// <summary>Whether this node samples its own metrics and publishes them; false (<c>--no-sampler</c>) only serves
    /// pages, fed by the other nodes. Default true.</summary>
    public bool Sampler { get; init; } = true;

    /// <summary>Reads the command line.</summary>
    /// <exception cref="FormatException">An unknown option or a malformed value.</exception>
    public static DashboardOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new DashboardOptions();
        for (var i = 0; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "--port" => options with { Port = ReadPort(Value(args, ref i)) },
                "--interval" => options with { Interval = ExampleDuration.Parse(Value(args, ref i), "--interval") },
                "--backplane" => options with { Backplane = Value(args, ref i) },
                "--node-id" => options with { NodeId = Value(args, ref i) },
                "--no-sampler" => options with { Sampler = false },
                var port when i == 0 && !port.StartsWith('-') => options with { Port = ReadPort(port) },
                var other => throw new FormatException($"unknown argument '{other}'"),
            };
        }

        return options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new FormatException($"{args[i - 1]} needs a value");

    private static int ReadPort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65_535
            ? port
            : throw new FormatException($"'{text}' is not a port");
}
