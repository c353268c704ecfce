using System.Net;

namespace RxSockets.Transport.Connect;

/// <summary>Picks the proxy for one connection: <see cref="WebSocketClientOptions.Proxy"/> when set, otherwise the
/// environment when <see cref="WebSocketClientOptions.UseEnvironmentProxy"/> allows it.</summary>
internal static class ProxySelector
{
    /// <summary>The proxy to tunnel through to <paramref name="target"/>, or null to connect directly.</summary>
    /// <exception cref="NotSupportedException">The proxy chosen is not an http:// proxy.</exception>
    public static ProxyEndpoint? Select(Uri target, WebSocketClientOptions options)
    {
        if (options.Proxy is { } proxy)
        {
            return FromWebProxy(proxy, target);
        }

        return options.UseEnvironmentProxy ? EnvironmentProxy.Find(target, options.EnvironmentVariables) : null;
    }

    private static ProxyEndpoint? FromWebProxy(IWebProxy proxy, Uri target)
    {
        // IWebProxy implementations know http and https; a WebSocket handshake is an HTTP request to the same place.
        var http = new UriBuilder(target) { Scheme = target.Scheme == "wss" ? Uri.UriSchemeHttps : Uri.UriSchemeHttp, Port = target.Port }.Uri;
        if (proxy.IsBypassed(http) || proxy.GetProxy(http) is not { } address || address == http)
        {
            return null;
        }

        return ProxyEndpoint.Create(address, proxy.Credentials?.GetCredential(address, "Basic"), "from WebSocketClientOptions.Proxy");
    }
}
