using System.Net.Security;

namespace RxSockets.Cli;

/// <summary>The client commands' <c>--insecure</c>: TLS without certificate checks, like <c>wscat -n</c> or
/// <c>curl -k</c>, so they can talk to a server with a self-signed certificate.</summary>
internal static class Insecure
{
    /// <summary>TLS options that accept any server certificate.</summary>
    public static SslClientAuthenticationOptions SslOptions() => new()
    {
#pragma warning disable CA5359 // Accepting any certificate is exactly what --insecure asks for.
        RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
    };
}
