using System.Net.Security;
using RxSockets.Transport;

namespace RxSockets;

/// <summary>Options of a client connection: what to offer in the opening handshake, plus the shared
/// <see cref="ConnectionOptions"/>.</summary>
/// <example>
/// <code>
/// var options = new WebSocketClientOptions
/// {
///     SubProtocols = { "chat.v2" },
///     Headers = { ["Authorization"] = "Bearer abc" },
///     KeepAliveInterval = TimeSpan.FromSeconds(10),
/// };
/// </code>
/// </example>
public sealed class WebSocketClientOptions : ConnectionOptions
{
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

    /// <inheritdoc />
    protected internal override void Validate()
    {
        base.Validate();
        Require(SslOptions?.TargetHost is null || !string.IsNullOrWhiteSpace(SslOptions.TargetHost), nameof(SslOptions), "TargetHost must be null (the URL's host) or a host name");
        Require(SubProtocols.All(p => !string.IsNullOrWhiteSpace(p)), nameof(SubProtocols), "must hold non-empty tokens");
        Require(SubProtocols.Distinct(StringComparer.Ordinal).Count() == SubProtocols.Count, nameof(SubProtocols), "must not repeat a subprotocol");
        PerMessageDeflate?.Validate(ConnectionRole.Client);
    }

    internal new WebSocketClientOptions ValidatedCopy()
    {
        Validate();
        var copy = (WebSocketClientOptions)MemberwiseClone();
        copy.SubProtocols = [.. SubProtocols];
        copy.Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase);
        copy.SslOptions = SslOptions is null ? null : ClientTls.Copy(SslOptions);
        copy.PerMessageDeflate = PerMessageDeflate?.Clone();
        return copy;
    }

    private protected override ConnectionOptions CopyValidated() => ValidatedCopy();
}
