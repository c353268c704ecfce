namespace RxSockets;

/// <summary>Checks and converts WebSocket URLs (RFC 6455 §3: <c>ws://</c> and <c>wss://</c>, no fragment).</summary>
public static class WebSocketUrl
{
    /// <summary>Whether <paramref name="url"/> is an absolute ws:// or wss:// URL with a host and no fragment.</summary>
    /// <param name="url">The candidate.</param>
    /// <returns>True when a connection could be attempted to it.</returns>
    public static bool IsValid(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && Problem(uri) is null;

    /// <summary>Whether <paramref name="uri"/> is an absolute ws:// or wss:// URL with a host and no fragment.</summary>
    /// <param name="uri">The candidate.</param>
    /// <returns>True when a connection could be attempted to it.</returns>
    public static bool IsValid(Uri? uri) => uri is not null && Problem(uri) is null;

    /// <summary>Converts an http:// or https:// URL to ws:// or wss://; ws:// and wss:// pass unchanged. A fragment
    /// is dropped, since WebSocket URLs must not have one (RFC 6455 §3).</summary>
    /// <param name="url">An absolute http, https, ws or wss URL.</param>
    /// <returns>The WebSocket URL.</returns>
    /// <exception cref="ArgumentException">The URL is not absolute or has another scheme.</exception>
    public static Uri FromHttp(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            throw new ArgumentException($"'{url}' is not an absolute URL.", nameof(url));
        }

        var scheme = url.Scheme switch
        {
            "http" or "ws" => "ws",
            "https" or "wss" => "wss",
            _ => throw new ArgumentException($"'{url}' has the scheme '{url.Scheme}'; expected http, https, ws or wss.", nameof(url)),
        };
        return new UriBuilder(url) { Scheme = scheme, Port = url.IsDefaultPort ? -1 : url.Port, Fragment = "" }.Uri;
    }

    /// <summary>Converts an http:// or https:// URL string to ws:// or wss://.</summary>
    /// <inheritdoc cref="FromHttp(Uri)"/>
    public static Uri FromHttp(string url) => FromHttp(Parse(url, nameof(url), requireWebSocketScheme: false));

    internal static Uri Parse(string url, string parameterName, bool requireWebSocketScheme = true)
    {
        ArgumentNullException.ThrowIfNull(url, parameterName);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"'{url}' is not an absolute URL; write it like ws://host:port/path.", parameterName);
        }

        return requireWebSocketScheme ? Validate(uri, parameterName) : uri;
    }

    internal static Uri Validate(Uri uri, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(uri, parameterName);
        if (Problem(uri) is { } problem)
        {
            throw new ArgumentException(problem, parameterName);
        }

        return uri;
    }

    private static string? Problem(Uri uri)
    {
        if (!uri.IsAbsoluteUri)
        {
            return $"'{uri}' is not an absolute URL; write it like ws://host:port/path.";
        }

        if (uri.Scheme is "http" or "https")
        {
            return $"'{uri}' is an HTTP URL; WebSocket URLs start with ws:// or wss:// (WebSocketUrl.FromHttp converts it).";
        }

        if (uri.Scheme is not ("ws" or "wss"))
        {
            return $"'{uri}' has the scheme '{uri.Scheme}'; WebSocket URLs start with ws:// or wss://.";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return $"'{uri}' has no host.";
        }

        return uri.Fragment.Length > 0 ? $"'{uri}' has a fragment ('{uri.Fragment}'), which WebSocket URLs must not have (RFC 6455 §3)." : null;
    }
}
