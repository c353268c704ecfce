using System.Net;
using RxSockets.Transport.Connect;

namespace RxSockets.Transport.Connect;

/// <summary>Picks the proxy for one connection: <see cref="ConnectSettings.Proxy"/> (<c>WebSocketClientOptions.Proxy</c>)
/// when set, otherwise the environment when <see cref="ConnectSettings.UseEnvironmentProxy"/> allows it.</summary>
internal static class ProxySelector
{
    /// <summary>The proxy to tunnel through to <paramref name="target"/>, or null to connect directly.</summary>
    /// <exception cref="NotSupportedException">The proxy chosen is not an http:// proxy.</exception>
    public static ProxyEndpoint? Select(Uri target, ConnectSettings settings)
    {
        if (settings.Proxy is { } proxy)
        {
            return FromWebProxy(proxy, target);
        }

        return settings.UseEnvironmentProxy ? EnvironmentProxy.Find(target, settings.EnvironmentVariables) : null;
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
