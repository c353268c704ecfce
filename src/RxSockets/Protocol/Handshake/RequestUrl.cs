namespace RxSockets.Protocol.Handshake;

/// <summary>
/// The URL a client asked for, as a server reports it (<c>ws://</c> or <c>wss://</c>, the Host header, the raw path
/// and query), built once and shared: clients of one server nearly all ask for the same URL, and a
/// <see cref="Uri"/> is immutable, so the last one built is handed out again while requests keep matching it.
/// </summary>
/// <remarks>Thread-safe: a race builds one extra <see cref="Uri"/>, never a wrong one.</remarks>
internal sealed class RequestUrl(bool secure)
{
    private readonly string _scheme = secure ? "wss" : "ws";
    private Uri? _last;

    /// <summary>The URL <paramref name="request"/> asked for.</summary>
    /// <exception cref="UriFormatException">The Host header and target do not make a URL.</exception>
    public Uri For(HandshakeRequest request)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && Matches(last.OriginalString, request))
        {
            return last;
        }

        var query = request.Query.Length > 0 ? "?" + request.Query : "";
        var url = new Uri($"{_scheme}://{request.Host}{request.Path}{query}", UriKind.Absolute);
        Volatile.Write(ref _last, url);
        return url;
    }

    private bool Matches(ReadOnlySpan<char> text, HandshakeRequest request) =>
        Take(ref text, _scheme) && Take(ref text, "://") && Take(ref text, request.Host) && Take(ref text, request.Path)
        && (request.Query.Length == 0 ? text.IsEmpty : Take(ref text, "?") && text.SequenceEqual(request.Query));

    private static bool Take(ref ReadOnlySpan<char> text, ReadOnlySpan<char> prefix)
    {
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        text = text[prefix.Length..];
        return true;
    }
}
