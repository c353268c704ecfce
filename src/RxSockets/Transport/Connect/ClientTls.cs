using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace RxSockets.Transport.Connect;

/// <summary>
/// The client's TLS handshake for wss://: the user's <see cref="ClientConnectionOptions.SslOptions"/> (or the defaults)
/// with the URL's host as TargetHost unless overridden, and a certificate rejection turned into a
/// <see cref="HandshakeException"/> that names the <see cref="SslPolicyErrors"/>.
/// </summary>
internal static class ClientTls
{
    /// <summary>Copies <paramref name="options"/>, so later changes to the user's object reach no connection.</summary>
    public static SslClientAuthenticationOptions Copy(SslClientAuthenticationOptions options)
    {
        var copy = CopyPortable(options);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            copy.AllowRsaPkcs1Padding = options.AllowRsaPkcs1Padding;
            copy.AllowRsaPssPadding = options.AllowRsaPssPadding;
        }

        return copy;
    }

    private static SslClientAuthenticationOptions CopyPortable(SslClientAuthenticationOptions options) => new()
    {
        AllowRenegotiation = options.AllowRenegotiation,
        AllowTlsResume = options.AllowTlsResume,
        ApplicationProtocols = options.ApplicationProtocols is null ? null : [.. options.ApplicationProtocols],
        CertificateChainPolicy = options.CertificateChainPolicy?.Clone(),
        CertificateRevocationCheckMode = options.CertificateRevocationCheckMode,
        CipherSuitesPolicy = options.CipherSuitesPolicy,
        ClientCertificateContext = options.ClientCertificateContext,
        ClientCertificates = options.ClientCertificates is null ? null : [.. options.ClientCertificates],
        EnabledSslProtocols = options.EnabledSslProtocols,
#pragma warning disable SYSLIB0040 // Obsolete, but copied so that a copy behaves exactly as the original.
        EncryptionPolicy = options.EncryptionPolicy,
#pragma warning restore SYSLIB0040
        LocalCertificateSelectionCallback = options.LocalCertificateSelectionCallback,
        RemoteCertificateValidationCallback = options.RemoteCertificateValidationCallback,
        TargetHost = options.TargetHost,
    };

    /// <summary>Runs the TLS handshake on <paramref name="stream"/> as a client.</summary>
    /// <param name="stream">The TLS stream over the connected socket.</param>
    /// <param name="configured">The user's options, or null for the defaults.</param>
    /// <param name="host">The URL's host, used as TargetHost (SNI and name check) unless the options set one.</param>
    /// <param name="cancellationToken">The handshake timeout and the caller's token.</param>
    /// <exception cref="HandshakeException">The TLS handshake failed, for example because the certificate was rejected.</exception>
    public static async ValueTask AuthenticateAsync(SslStream stream, SslClientAuthenticationOptions? configured, string host, CancellationToken cancellationToken)
    {
        var options = configured is null ? new SslClientAuthenticationOptions() : Copy(configured);
        options.TargetHost = string.IsNullOrEmpty(options.TargetHost) ? host : options.TargetHost;
        var userCallback = options.RemoteCertificateValidationCallback;
        (SslPolicyErrors Errors, string ChainProblems)? rejection = null;
        options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            var accepted = userCallback?.Invoke(sender, certificate, chain, errors) ?? errors == SslPolicyErrors.None;
            rejection = accepted ? null : (errors, ChainProblems(chain));
            return accepted;
        };

        try
        {
            await stream.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException error)
        {
            throw Failed(options.TargetHost, rejection, error);
        }
    }

    private static HandshakeException Failed(string targetHost, (SslPolicyErrors Errors, string ChainProblems)? rejection, AuthenticationException error)
    {
        var reason = rejection is { } r
            ? $"the server's certificate was rejected ({r.Errors}{(r.ChainProblems.Length > 0 ? $"; chain: {r.ChainProblems}" : "")})"
            : error.Message;
        return new HandshakeException($"WebSocket handshake failed: TLS with '{targetHost}' failed: {reason}", null, null, null,
            isTransient: false, error);
    }

    private static string ChainProblems(X509Chain? chain) =>
        chain is null ? "" : string.Join(", ", chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct());
}
