using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using RxSockets.Protocol.Handshake;

namespace RxSockets.Transport.Connect;

/// <summary>
/// An HTTP <c>CONNECT</c> tunnel (RFC 9110 §9.3.6) through a proxy: after a 2xx answer the socket carries bytes to
/// the target unchanged, so TLS for wss:// and the WebSocket handshake run inside it end to end.
/// </summary>
internal static class ProxyTunnel
{
    /// <summary>Asks the proxy on <paramref name="socket"/> for a tunnel to <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <param name="socket">A socket connected to the proxy.</param>
    /// <param name="proxy">The proxy, with credentials for Basic authentication when it has some.</param>
    /// <param name="host">The target host as it appears in a URL authority (an IPv6 literal in brackets).</param>
    /// <param name="port">The target port.</param>
    /// <param name="maxHeaderBytes">The largest answer head accepted.</param>
    /// <param name="cancellationToken">Cancels the exchange.</param>
    /// <exception cref="HandshakeException">The proxy refused (its status and headers are carried), answered
    /// something that is not HTTP, or closed the connection first.</exception>
    public static async ValueTask OpenAsync(
        Socket socket, ProxyEndpoint proxy, string host, int port, int maxHeaderBytes, CancellationToken cancellationToken)
    {
        var authority = string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
        try
        {
            await socket.SendAsync(CreateRequest(authority, proxy), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var response = await ReadResponseAsync(socket, proxy, maxHeaderBytes, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is < 200 or > 299)
            {
                throw Refused(response, proxy, authority);
            }
        }
        catch (SocketException error)
        {
            throw Failed(proxy, "the proxy closed the connection before the tunnel opened", isTransient: true, error);
        }
    }

    internal static ReadOnlyMemory<byte> CreateRequest(string authority, ProxyEndpoint proxy)
    {
        var output = new ArrayBufferWriter<byte>(256);
        HttpHeadWriter.Write(output, "CONNECT "u8);
        HttpHeadWriter.Write(output, authority);
        HttpHeadWriter.Write(output, " HTTP/1.1\r\n"u8);
        HttpHeadWriter.WriteField(output, "Host", authority);
        if (proxy.Credential is { } credential)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Password}"));
            HttpHeadWriter.WriteField(output, "Proxy-Authorization", "Basic " + token);
        }

        HttpHeadWriter.WriteCrlf(output);
        return output.WrittenMemory;
    }

    /// <summary>Reads the answer head. Nothing may follow a 2xx head before we speak (neither a WebSocket server nor a
    /// TLS server talks first), so the bytes after the head are never lost in a buffer.</summary>
    private static async ValueTask<HttpHead> ReadResponseAsync(Socket socket, ProxyEndpoint proxy, int maxHeaderBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[maxHeaderBytes];
        var filled = 0;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            filled += received;
            var sequence = new ReadOnlySequence<byte>(buffer, 0, filled);
            var status = HttpHead.TryParse(ref sequence, HttpHeadKind.Response, maxHeaderBytes, out var head, out var error);
            switch (status)
            {
                case HttpHeadParseStatus.Complete when head!.StatusCode is >= 200 and <= 299 && !sequence.IsEmpty:   // Complete always yields a head
                    throw Failed(proxy, "the proxy sent data after accepting CONNECT, before the tunnel was used", isTransient: false);
                case HttpHeadParseStatus.Complete:
                    return head;
                case HttpHeadParseStatus.NeedMoreData when received == 0 || filled == buffer.Length:
                    throw Failed(proxy, "the proxy closed the connection before answering CONNECT", isTransient: true);
                case HttpHeadParseStatus.NeedMoreData:
                    continue;
                default:
                    throw Failed(proxy, $"the proxy's answer to CONNECT is not valid HTTP ({error ?? status.ToString()})", isTransient: false);
            }
        }
    }

    private static HandshakeException Refused(HttpHead response, ProxyEndpoint proxy, string authority)
    {
        var status = response.StatusCode;
        var phrase = response.ReasonPhrase.Length > 0 ? response.ReasonPhrase : HttpReasonPhrase.For(status);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in response.Headers)
        {
            headers[name] = headers.TryGetValue(name, out var previous) ? $"{previous}, {value}" : value;
        }

        var hint = status is 401 or 407 ? (proxy.Credential is null ? " (the proxy wants credentials)" : " (the proxy refused the credentials)") : "";
        return new HandshakeException(
            string.Create(CultureInfo.InvariantCulture, $"WebSocket handshake failed: the proxy {Describe(proxy)} refused CONNECT {authority}: HTTP {status} {phrase}{hint}"),
            status, headers, null, HandshakeException.IsTransientStatus(status));
    }

    private static HandshakeException Failed(ProxyEndpoint proxy, string reason, bool isTransient, Exception? innerException = null) =>
        new($"WebSocket handshake failed: {reason} ({Describe(proxy)})", null, null, null, isTransient, innerException);

    /// <summary>The proxy's address without its user information, which may hold a password.</summary>
    private static string Describe(ProxyEndpoint proxy) => proxy.Address.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
}
