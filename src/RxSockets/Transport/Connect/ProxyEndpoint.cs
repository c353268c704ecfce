using System.Net;

namespace RxSockets.Transport.Connect;

/// <summary>An HTTP proxy to tunnel through: its http:// address and the credentials for Basic authentication.</summary>
internal sealed record ProxyEndpoint(Uri Address, NetworkCredential? Credential)
{
    /// <summary>Checks that <paramref name="address"/> is a plain http:// proxy and takes credentials from its user
    /// information (<c>http://user:pass@proxy:3128</c>, percent-decoded) unless <paramref name="credential"/> is given.</summary>
    /// <param name="address">The proxy URL.</param>
    /// <param name="credential">Credentials from elsewhere, or null.</param>
    /// <param name="source">Where the address came from, for the error message.</param>
    /// <exception cref="NotSupportedException">The proxy is not an http:// proxy.</exception>
    public static ProxyEndpoint Create(Uri address, NetworkCredential? credential, string source)
    {
        if (!address.IsAbsoluteUri || address.Scheme != Uri.UriSchemeHttp || string.IsNullOrEmpty(address.Host))
        {
            throw new NotSupportedException(
                $"The proxy '{address}' ({source}) is not supported: only http:// proxies are (HTTPS and SOCKS proxies are not).");
        }

        if (credential is null && address.UserInfo.Length > 0)
        {
            var separator = address.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = separator < 0 ? address.UserInfo : address.UserInfo[..separator];
            var password = separator < 0 ? string.Empty : address.UserInfo[(separator + 1)..];
            credential = new NetworkCredential(Uri.UnescapeDataString(user), Uri.UnescapeDataString(password));
        }

        return new ProxyEndpoint(address, credential);
    }

    /// <summary>Parses a proxy environment variable; a value without a scheme (<c>proxy:3128</c>) means http://.</summary>
    /// <exception cref="NotSupportedException">The value is not an http:// proxy URL.</exception>
    public static ProxyEndpoint Parse(string value, string variable)
    {
        var text = value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var address))
        {
            throw new NotSupportedException($"The environment variable {variable} holds '{value}', which is not a proxy URL such as http://proxy:3128.");
        }

        return Create(address, null, $"from {variable}");
    }
}
