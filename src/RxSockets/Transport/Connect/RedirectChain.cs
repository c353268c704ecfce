using System.Globalization;
using RxSockets.Protocol.Handshake;
using RxSockets.Transport.Connect;

namespace RxSockets.Transport.Connect;

/// <summary>
/// The URLs one connection attempt has visited while following handshake redirects (as node ws's
/// <c>followRedirects</c>): where to go next, which headers may go there, and when to give up.
/// </summary>
internal sealed class RedirectChain
{
    private static readonly string[] s_credentialHeaders = ["Authorization", "Cookie"];

    private readonly List<Uri> _urls;
    private readonly ConnectSettings _settings;

    public RedirectChain(Uri url, ConnectSettings settings)
    {
        _urls = [url];
        _settings = settings;
        Headers = settings.Headers;
    }

    /// <summary>The URL to connect to now.</summary>
    public Uri Current => _urls[^1];

    /// <summary>The extra request headers for <see cref="Current"/>: without credentials once the chain has left the
    /// original host and port, or gone from wss:// down to ws://.</summary>
    public IEnumerable<KeyValuePair<string, string>> Headers { get; private set; }

    /// <summary>Whether <paramref name="response"/> is a redirect to follow; if so, <see cref="Current"/> moves on.</summary>
    /// <exception cref="HandshakeException">The redirect loops, is one too many, or points somewhere a WebSocket
    /// cannot go.</exception>
    public bool TryFollow(HttpHead response)
    {
        if (!_settings.FollowRedirects || response.StatusCode is not (301 or 302 or 303 or 307 or 308)
            || response.GetValue("Location") is not { Length: > 0 } location)
        {
            return false;
        }

        var next = Resolve(location, response);
        if (_urls.Count > _settings.MaxRedirects)
        {
            throw Failed(response, string.Create(CultureInfo.InvariantCulture, $"more than {_settings.MaxRedirects} redirects"), next);
        }

        if (_urls.Contains(next))
        {
            throw Failed(response, "a redirect loop", next);
        }

        _urls.Add(next);
        var original = _urls[0];
        var sameOrigin = string.Equals(original.IdnHost, next.IdnHost, StringComparison.OrdinalIgnoreCase) && original.Port == next.Port;
        var downgrade = original.Scheme == "wss" && next.Scheme == "ws";
        Headers = sameOrigin && !downgrade
            ? _settings.Headers
            : _settings.Headers.Where(h => !s_credentialHeaders.Contains(h.Key, StringComparer.OrdinalIgnoreCase)).ToArray();
        return true;
    }

    private Uri Resolve(string location, HttpHead response)
    {
        if (Uri.TryCreate(Current, location, out var target) && target.Scheme is "http" or "https" or "ws" or "wss")
        {
            return WebSocketUrl.FromHttp(target);
        }

        throw Failed(response, $"a redirect to '{location}', which is not an http(s) or ws(s) URL", next: null);
    }

    private HandshakeException Failed(HttpHead response, string problem, Uri? next)
    {
        var chain = string.Join(" → ", next is null ? _urls : _urls.Append(next));
        var headers = response.Headers.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(h => h.Value)), StringComparer.OrdinalIgnoreCase);
        return new HandshakeException(
            string.Create(CultureInfo.InvariantCulture, $"WebSocket handshake failed: {problem} (HTTP {response.StatusCode}): {chain}"),
            response.StatusCode, headers, null, isTransient: false);
    }
}
