using System.Text.RegularExpressions;

namespace RxSockets.Examples.Tests.Support;

/// <summary>Finds the ws:// URL in a line a server example printed.</summary>
internal static partial class ServerUrl
{
    public static Uri From(string line) => new(UrlPattern().Match(line).Value);

    [GeneratedRegex(@"ws://\S+")]
    private static partial Regex UrlPattern();
}
