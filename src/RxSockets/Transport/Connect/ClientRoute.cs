using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Connect;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Connect;

/// <summary>How a client reaches a ws:// or wss:// URL: straight to the server, or through an HTTP proxy's
/// <c>CONNECT</c> tunnel. Either way the result is a socket whose bytes reach the server unchanged. A plain direct
/// route (ws://, no proxy) may also be opened on any <see cref="ISocketBackend"/>.</summary>
internal sealed class ClientRoute
{
    private readonly string _host;
    private readonly int _port;
    private readonly ProxyEndpoint? _proxy;
    private readonly int _maxHeaderBytes;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    /// <exception cref="NotSupportedException">The proxy chosen is not an http:// proxy.</exception>
    public ClientRoute(Uri url, ConnectSettings settings)
    {
        var tls = url.Scheme == "wss";
        _host = url.HostNameType == UriHostNameType.IPv6 ? url.Host : url.IdnHost;   // Host keeps an IPv6 literal's brackets
        _port = url.IsDefaultPort ? (tls ? 443 : 80) : url.Port;
        _proxy = ProxySelector.Select(url, settings);
        _maxHeaderBytes = settings.MaxHeaderBytes;
        _resolve = settings.ResolveHost;
        TlsHost = tls ? url.IdnHost : null;
    }

    /// <summary>The server name to authenticate with TLS, or null for ws://.</summary>
    public string? TlsHost { get; }

    /// <summary>The proxy tunnelled through, or null for a direct connection.</summary>
    public ProxyEndpoint? Proxy => _proxy;

    /// <summary>True for ws:// straight to the server (no TLS, no proxy): the bytes need no stream on top of the
    /// socket, so any socket backend (the epoll one too) can carry them.</summary>
    public bool IsPlainDirect => _proxy is null && TlsHost is null;

    /// <summary>Connects straight to the server (every resolved address in turn) on <paramref name="backend"/>.
    /// Only for a route that <see cref="IsPlainDirect"/>.</summary>
    /// <exception cref="SocketException">No address accepted; the last address's error.</exception>
    public ValueTask<ITransport> ConnectPlainAsync(ISocketBackend backend, CancellationToken cancellationToken)
    {
        if (!IsPlainDirect)
        {
            throw new InvalidOperationException("A socket backend carries only plain, direct connections: TLS and proxies need a stream.");
        }

        return TcpDialer.ConnectAsync(_host, _port, _resolve, backend.ConnectAsync, cancellationToken);
    }

    /// <summary>Connects, directly or through the proxy's tunnel.</summary>
    public async ValueTask<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_proxy is null)
        {
            return await TcpDialer.ConnectAsync(_host, _port, _resolve, cancellationToken).ConfigureAwait(false);
        }

        var socket = await TcpDialer.ConnectAsync(_proxy.Address.IdnHost, _proxy.Address.Port, _resolve, cancellationToken).ConfigureAwait(false);
        try
        {
            await ProxyTunnel.OpenAsync(socket, _proxy, _host, _port, _maxHeaderBytes, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
