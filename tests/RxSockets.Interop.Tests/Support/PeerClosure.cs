using System.Globalization;

namespace RxSockets.Interop.Tests.Support;

/// <summary>A close code and reason a peer reported with its <c>closed &lt;code&gt; &lt;reason&gt;</c> line.</summary>
/// <param name="Code">The close code the peer received (RFC 6455 §7.1.5); 1005 when none, 1006 when abnormal.</param>
/// <param name="Reason">The close reason the peer received, empty when none.</param>
public sealed record PeerClosure(int Code, string Reason)
{
    /// <summary>The prefix of the line every peer prints when its connection closes.</summary>
    public const string LinePrefix = "closed ";

    /// <summary>Parses a <c>closed &lt;code&gt; &lt;reason&gt;</c> line; the reason is the rest of the line.</summary>
    public static PeerClosure Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.StartsWith(LinePrefix, StringComparison.Ordinal))
        {
            throw new FormatException($"Not a closed line: '{line}'.");
        }

        var rest = line[LinePrefix.Length..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var code = space < 0 ? rest : rest[..space];
        var reason = space < 0 ? string.Empty : rest[(space + 1)..];
        return new PeerClosure(int.Parse(code, NumberStyles.None, CultureInfo.InvariantCulture), reason);
    }
}
