using System.Net;
using System.Net.Security;
using RxSockets.Transport;
using RxSockets.Transport.Connect;

namespace RxSockets;

/// <summary>Options of a client connection (<see cref="WebSocketConnection.ConnectAsync(Uri, ClientConnectionOptions?, CancellationToken)"/>):
/// what to offer in the opening handshake and how to reach the server, plus the shared <see cref="ConnectionOptions"/>.
/// Create a <see cref="WebSocketClientOptions"/>, which adds the reconnecting client's features.</summary>
public abstract class ClientConnectionOptions : ConnectionOptions
{
    /// <summary>Only the library derives options (<see cref="WebSocketClientOptions"/>).</summary>
    private protected ClientConnectionOptions()
    {
    }

    /// <summary>Subprotocols to offer, most preferred first; the server must pick one of them or none.</summary>
    /// <value>The default is empty.</value>
    public IList<string> SubProtocols { get; private set; } = [];

    /// <summary>Extra request headers: Authorization, Cookie, User-Agent… The handshake's own headers
    /// (Sec-WebSocket-*, Upgrade, Connection, Host) are refused.</summary>
    /// <value>The default is empty.</value>
    public IDictionary<string, string> Headers { get; private set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The <c>Origin</c> header to send, as a browser would; null sends none.</summary>
    /// <value>The default is null.</value>
    public string? Origin { get; set; }

    /// <summary>TLS settings for <c>wss://</c> URLs (ignored for <c>ws://</c>): a
    /// <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/> to trust a private or
    /// self-signed certificate, <see cref="SslClientAuthenticationOptions.ClientCertificates"/> for mutual TLS, a
    /// <see cref="SslClientAuthenticationOptions.TargetHost"/> that overrides the URL's host for SNI and the name check,
    /// <see cref="SslClientAuthenticationOptions.EnabledSslProtocols"/>… A rejected server certificate fails the
    /// connection with a <see cref="HandshakeException"/> whose message names the <see cref="SslPolicyErrors"/>.</summary>
    /// <value>The default is null: the system's defaults, the URL's host as TargetHost, and only certificates the
    /// system trusts for that host.</value>
    public SslClientAuthenticationOptions? SslOptions { get; set; }

    /// <summary>The HTTP proxy to tunnel through (HTTP <c>CONNECT</c>, for ws:// and wss:// alike; TLS runs end to end
    /// inside the tunnel), such as <c>new WebProxy("http://proxy:3128") { Credentials = new NetworkCredential("user", "pass") }</c>.
    /// Its <see cref="IWebProxy.IsBypassed"/> and <see cref="IWebProxy.GetProxy"/> are asked with the http:// or https://
    /// form of the URL; its credentials, or the user information of the proxy URL, are sent with Basic authentication.
    /// When set, the environment variables are not read.</summary>
    /// <value>The default is null: the proxy comes from the environment when <see cref="UseEnvironmentProxy"/> is true.</value>
    public IWebProxy? Proxy { get; set; }

    /// <summary>Whether, when <see cref="Proxy"/> is null, the proxy is read from the environment as curl and
    /// <c>HttpClient</c> do: <c>https_proxy</c>/<c>HTTPS_PROXY</c> for wss://, <c>http_proxy</c>/<c>HTTP_PROXY</c>
    /// for ws:// (lowercase first), skipped for the hosts <c>no_proxy</c>/<c>NO_PROXY</c> lists (comma-separated names,
    /// which also match their subdomains; <c>.suffix</c>; IP addresses or CIDR ranges; an optional <c>:port</c>; <c>*</c> for all).</summary>
    /// <value>The default is true. Loopback addresses are not exempt unless <c>NO_PROXY</c> lists them.</value>
    public bool UseEnvironmentProxy { get; set; } = true;

    /// <summary>Whether a handshake answered with a redirect (301, 302, 303, 307, 308) is retried at its
    /// <c>Location</c> (relative or absolute; http(s) is mapped to ws(s)). <c>Authorization</c> and <c>Cookie</c> headers
    /// are not sent to another host or port, nor from wss:// down to ws://.</summary>
    /// <value>The default is false, as in node ws: a redirect fails the handshake with its status.</value>
    public bool FollowRedirects { get; set; }

    /// <summary>The most redirects followed in one connection attempt when <see cref="FollowRedirects"/> is true; one
    /// more, or a loop, fails the handshake with a <see cref="HandshakeException"/> naming the chain.</summary>
    /// <value>The default is 10.</value>
    public int MaxRedirects { get; set; } = 10;

    /// <summary>Reads an environment variable; tests replace it so they need not change the process environment.</summary>
    internal Func<string, string?> EnvironmentVariables { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>Resolves a host name to its addresses, tried in turn; tests replace it.</summary>
    internal Func<string, CancellationToken, Task<IPAddress[]>> ResolveHost { get; set; } = Dns.GetHostAddressesAsync;

    /// <inheritdoc />
    protected internal override void Validate()
    {
        base.Validate();
        Require(SslOptions?.TargetHost is null || !string.IsNullOrWhiteSpace(SslOptions.TargetHost), nameof(SslOptions), "TargetHost must be null (the URL's host) or a host name");
        Require(MaxRedirects >= 0, nameof(MaxRedirects), "must be 0 or positive");
        Require(Proxy is not WebProxy { Address: { } address } || address.Scheme == Uri.UriSchemeHttp, nameof(Proxy), "must be an http:// proxy (HTTPS and SOCKS proxies are not supported)");
        Require(SubProtocols.All(p => !string.IsNullOrWhiteSpace(p)), nameof(SubProtocols), "must hold non-empty tokens");
        Require(SubProtocols.Distinct(StringComparer.Ordinal).Count() == SubProtocols.Count, nameof(SubProtocols), "must not repeat a subprotocol");
        PerMessageDeflate?.Validate();
    }

    /// <summary>Validates, then copies (the derived options' own parts too: <c>CopyValidated</c> is theirs).</summary>
    internal new ClientConnectionOptions ValidatedCopy() => (ClientConnectionOptions)CopyValidated();

    /// <summary>A copy of these options whose collections and TLS options are copies too; the caller validated them.</summary>
    private protected ClientConnectionOptions CopyClientConnection()
    {
        var copy = (ClientConnectionOptions)MemberwiseClone();
        copy.SubProtocols = [.. SubProtocols];
        copy.Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase);
        copy.SslOptions = SslOptions is null ? null : ClientTls.Copy(SslOptions);
        copy.PerMessageDeflate = PerMessageDeflate?.Clone();
        return copy;
    }

    /// <summary>What the connect path reads of these (validated) options: made per connection attempt, so the
    /// transport layer never sees the public options.</summary>
    internal Transport.Connect.ConnectSettings ToConnectSettings() => new()
    {
        SubProtocols = [.. SubProtocols],
        Headers = Headers,
        Origin = Origin,
        SslOptions = SslOptions,
        Proxy = Proxy,
        UseEnvironmentProxy = UseEnvironmentProxy,
        EnvironmentVariables = EnvironmentVariables,
        ResolveHost = ResolveHost,
        FollowRedirects = FollowRedirects,
        MaxRedirects = MaxRedirects,
        HandshakeTimeout = HandshakeTimeout,
        Scheduler = Scheduler,
        MaxHeaderBytes = MaxHeaderBytes,
        Deflate = PerMessageDeflate?.ToPreferences(),
    };
}
