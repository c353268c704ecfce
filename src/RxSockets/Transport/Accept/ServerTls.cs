using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using RxSockets.Transport.Accept;

namespace RxSockets.Transport.Accept;

/// <summary>
/// The server's TLS for wss://: its certificate (given, or loaded from a PFX file and then owned here), the client
/// certificate policy, and the TLS handshake of each accepted socket. Thread-safe: one instance serves every socket.
/// </summary>
internal sealed class ServerTls : IDisposable
{
    private readonly X509Certificate2? _loaded;
    private readonly SslServerAuthenticationOptions _options;
    private readonly bool _clientCertificateRequired;
    private readonly RemoteCertificateValidationCallback? _validateClient;
    private readonly ILogger _logger;

    private ServerTls(X509Certificate2 certificate, bool owned, ServerTlsSettings options, ILogger logger)
    {
        _loaded = owned ? certificate : null;
        _clientCertificateRequired = options.ClientCertificateRequired;
        _validateClient = options.ClientCertificateValidation;
        _logger = logger;
        var askForCertificate = _clientCertificateRequired || _validateClient is not null;
        _options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null),
            ClientCertificateRequired = askForCertificate,
            RemoteCertificateValidationCallback = askForCertificate ? ValidateClient : null,
        };
        if (options.EnabledSslProtocols is { } protocols)
        {
            _options.EnabledSslProtocols = protocols;
        }
    }

    /// <summary>The TLS of a server with <paramref name="options"/>, or null when it serves plain ws://.</summary>
    /// <exception cref="ArgumentException">The PFX file cannot be read or decrypted, or the certificate has no private
    /// key; the message names the <c>CertificatePath</c> option.</exception>
    public static ServerTls? Create(ServerTlsSettings? options, ILogger logger)
    {
        if (options is null)
        {
            return null;
        }

        if (options.Certificate is { } given)
        {
            return new ServerTls(given, owned: false, options, logger);
        }

        if (options.CertificatePath is not { } path)
        {
            return null;
        }

        X509Certificate2 loaded;
        try
        {
            loaded = X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
        }
        catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw Invalid($"CertificatePath '{path}' could not be loaded as a PKCS#12 (PFX) file; check the file and CertificatePassword: {error.Message}", error);
        }

        if (!loaded.HasPrivateKey)
        {
            loaded.Dispose();
            throw Invalid($"CertificatePath '{path}' holds no private key.", null);
        }

        return new ServerTls(loaded, owned: true, options, logger);
    }

    /// <summary>Wraps an accepted socket's stream; <see cref="AuthenticateAsync"/> then runs the handshake.</summary>
    public static SslStream Wrap(Stream inner) => new(inner, leaveInnerStreamOpen: false);

    /// <summary>Runs the TLS handshake as the server.</summary>
    /// <exception cref="AuthenticationException">The client spoke no TLS, offered nothing acceptable, or its certificate was refused.</exception>
    public Task AuthenticateAsync(SslStream stream, CancellationToken cancellationToken) =>
        stream.AuthenticateAsServerAsync(_options, cancellationToken);

    /// <summary>Disposes the certificate when this server loaded it from a file.</summary>
    public void Dispose() => _loaded?.Dispose();

    private static ArgumentException Invalid(string message, Exception? innerException, string property = "CertificatePath") =>
        new(message, property, innerException);

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null && _clientCertificateRequired)
        {
            return false;
        }

        if (_validateClient is null)
        {
            return certificate is null || errors == SslPolicyErrors.None;
        }

        try
        {
            return _validateClient(sender, certificate, chain, errors);
        }
#pragma warning disable CA1031 // A failing user callback refuses this client instead of tearing down the accept loop.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.HandshakeFailed(_logger, null, error);
            return false;
        }
    }
}
