using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace RxSockets.Bench;

/// <summary>A scale-out node's command line: <c>[--port P] [--redis HOST:PORT] [--publish CONTROL_FILE ...]</c>.</summary>
/// <param name="Port">The port to listen on (0 = ephemeral).</param>
/// <param name="Redis">The StackExchange.Redis configuration string; null without Redis.</param>
/// <param name="Publish">The publisher's options when this node publishes; null otherwise.</param>
internal sealed record ScaleOutNodeArgs(int Port, string? Redis, ScaleOutPublishOptions? Publish)
{
    public const string Usage = "[--port P] [--redis HOST:PORT] " + ScaleOutPublishOptions.Usage;

    /// <summary>Parses option pairs; false on anything malformed or unknown.</summary>
    public static bool TryParse(ReadOnlySpan<string> args, [NotNullWhen(true)] out ScaleOutNodeArgs? parsed)
    {
        parsed = null;
        if (args.Length % 2 != 0)
        {
            return false;
        }

        string[] known = ["--port", "--redis", "--publish", "--size", "--inflight", "--window", "--rate"];
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!known.Contains(args[i]) || !pairs.TryAdd(args[i], args[i + 1]))
            {
                return false;
            }
        }

        var port = 0;
        if (pairs.TryGetValue("--port", out var text)
            && !(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort))
        {
            return false;
        }

        if (!ScaleOutPublishOptions.TryParse(pairs, out var publish))
        {
            return false;
        }

        parsed = new ScaleOutNodeArgs(port, pairs.GetValueOrDefault("--redis"), publish);
        return true;
    }
}
