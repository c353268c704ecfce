namespace RxSockets.Protocol.Handshake;

/// <summary>Splits a request-target (RFC 9112 §3.2) into path and query, and decodes query strings.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class RequestTarget
{
    /// <summary>
    /// Splits <paramref name="target"/> into its raw path and query. The origin form (<c>/path?query</c>) is the
    /// norm; the absolute form (<c>ws://host/path</c>) is accepted as RFC 9112 §3.2.2 requires of servers, for the
    /// http, https, ws and wss schemes. A fragment is refused (RFC 6455 §3).
    /// </summary>
    public static bool TryParse(string target, out string path, out string query, out string? error)
    {
        path = string.Empty;
        query = string.Empty;
        if (target.Contains('#', StringComparison.Ordinal))
        {
            error = "the request target has a fragment";
            return false;
        }

        if (target.StartsWith('/'))
        {
            var mark = target.IndexOf('?', StringComparison.Ordinal);
            path = mark < 0 ? target : target[..mark];
            query = mark < 0 ? string.Empty : target[(mark + 1)..];
            error = null;
            return true;
        }

        if (Uri.TryCreate(target, UriKind.Absolute, out var uri)
            && uri.Scheme is "http" or "https" or "ws" or "wss")
        {
            path = uri.AbsolutePath;
            query = uri.Query.Length > 0 ? uri.Query[1..] : string.Empty;
            error = null;
            return true;
        }

        error = "the request target is neither a path nor an absolute URI";
        return false;
    }

    /// <summary>
    /// Decodes a query string: pairs split on '&amp;', names from values on the first '=', '+' read as a space,
    /// percent-escapes decoded as UTF-8. Names compare ordinally; repeated names have their values joined with ','.
    /// </summary>
    public static Dictionary<string, string> ParseQuery(string query)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var range in query.AsSpan().Split('&'))
        {
            var pair = query.AsSpan()[range];
            if (pair.IsEmpty)
            {
                continue;
            }

            var equals = pair.IndexOf('=');
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            parameters[name] = parameters.TryGetValue(name, out var previous) ? $"{previous},{value}" : value;
        }

        return parameters;
    }

    private static string Decode(ReadOnlySpan<char> component) =>
        Uri.UnescapeDataString(component.ToString().Replace('+', ' '));
}
