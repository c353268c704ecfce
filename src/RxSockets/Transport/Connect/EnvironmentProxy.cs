using System.Globalization;
using System.Net;

namespace RxSockets.Transport.Connect;

/// <summary>
/// The proxy conventions of curl and <c>HttpClient</c>: <c>https_proxy</c> for wss://, <c>http_proxy</c> for ws://
/// (lowercase first, then uppercase), except for the hosts <c>no_proxy</c> lists.
/// </summary>
internal static class EnvironmentProxy
{
    private static readonly char[] s_separators = [',', ' ', '\t'];

    /// <summary>The proxy the environment names for <paramref name="target"/>, or null to connect directly.</summary>
    /// <param name="target">A ws:// or wss:// URL.</param>
    /// <param name="lookup">Reads one environment variable.</param>
    /// <exception cref="NotSupportedException">The variable holds something other than an http:// proxy URL.</exception>
    public static ProxyEndpoint? Find(Uri target, Func<string, string?> lookup)
    {
        var name = target.Scheme == "wss" ? "https_proxy" : "http_proxy";
        var (value, variable) = Read(lookup, name);
        if (value is null || IsBypassed(target, Read(lookup, "no_proxy").Value))
        {
            return null;
        }

        return ProxyEndpoint.Parse(value, variable);
    }

    /// <summary>Whether <paramref name="noProxy"/> exempts <paramref name="target"/>. Each comma- or space-separated
    /// entry is <c>*</c> (everything), a host name (itself and its subdomains), <c>.suffix</c>, an IP address or CIDR
    /// range, each optionally with <c>:port</c>.</summary>
    public static bool IsBypassed(Uri target, string? noProxy)
    {
        if (string.IsNullOrWhiteSpace(noProxy))
        {
            return false;
        }

        var host = target.IdnHost.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        var port = target.Port;
        foreach (var entry in noProxy.Split(s_separators, StringSplitOptions.RemoveEmptyEntries))
        {
            if (entry == "*")
            {
                return true;
            }

            var (pattern, entryPort) = SplitPort(entry);
            if ((entryPort is null || entryPort == port) && Matches(host, pattern.ToLowerInvariant()))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(string host, string pattern)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return IPAddress.TryParse(pattern, out var other)
                ? address.Equals(other)
                : IPNetwork.TryParse(pattern, out var network) && network.Contains(address);
        }

        pattern = pattern.TrimStart('*').TrimEnd('.');
        if (pattern.StartsWith('.'))
        {
            return host.EndsWith(pattern, StringComparison.Ordinal) || host == pattern[1..];
        }

        return pattern.Length > 0 && (host == pattern || host.EndsWith("." + pattern, StringComparison.Ordinal));
    }

    /// <summary>Splits <c>host:port</c>, <c>[v6]:port</c>, <c>[v6]</c>; a bare IPv6 address (several colons) or a
    /// CIDR range has no port.</summary>
    private static (string Pattern, int? Port) SplitPort(string entry)
    {
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close > 0)
            {
                var rest = entry[(close + 1)..];
                return (entry[1..close], rest.StartsWith(':') && TryPort(rest[1..], out var bracketed) ? bracketed : null);
            }
        }

        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && colon == entry.LastIndexOf(':') && TryPort(entry[(colon + 1)..], out var port))
        {
            return (entry[..colon], port);
        }

        return (entry, null);
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    private static (string? Value, string Variable) Read(Func<string, string?> lookup, string lowercase)
    {
        var uppercase = lowercase.ToUpperInvariant();
        return lookup(lowercase) is { Length: > 0 } lower ? (lower.Trim(), lowercase)
            : lookup(uppercase) is { Length: > 0 } upper ? (upper.Trim(), uppercase)
            : (null, uppercase);
    }
}
