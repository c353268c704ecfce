using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace RxSockets.Transport.Accept;

/// <summary>What <see cref="ServerTls"/> reads: the certificate (given, or a PKCS#12 file to load) and the client
/// certificate policy, from the validated public options.</summary>
/// <param name="Certificate">The certificate with its private key, or null to load <paramref name="CertificatePath"/>.</param>
/// <param name="CertificatePath">A PKCS#12 (.pfx) file, or null.</param>
/// <param name="CertificatePassword">The file's password, or null.</param>
/// <param name="ClientCertificateRequired">Whether a client must present a certificate.</param>
/// <param name="ClientCertificateValidation">The user's check of a client certificate, or null.</param>
/// <param name="EnabledSslProtocols">The TLS versions allowed, or null for the system's choice.</param>
internal sealed record ServerTlsSettings(
    X509Certificate2? Certificate, string? CertificatePath, string? CertificatePassword, bool ClientCertificateRequired,
    RemoteCertificateValidationCallback? ClientCertificateValidation, SslProtocols? EnabledSslProtocols);
