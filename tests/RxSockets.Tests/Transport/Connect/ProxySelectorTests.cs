using System.Net;
using RxSockets.Transport;
using RxSockets.Transport.Connect;

namespace RxSockets.Tests.Transport.Connect;

public class ProxySelectorTests
{
    private static WebSocketClientOptions WithEnvironment(string httpProxy) =>
        new() { EnvironmentVariables = name => name == "http_proxy" ? httpProxy : null };

    [Test]
    public void Select_ProxyOption_WinsOverEnvironmentAndCarriesItsCredentials()
    {
        var options = WithEnvironment("http://from-env:1");
        options.Proxy = new WebProxy("http://from-option:2") { Credentials = new NetworkCredential("user", "pass") };

        var proxy = ProxySelector.Select(new Uri("ws://example.com/"), options.ToConnectSettings());

        Assert.That(proxy?.Address.Host, Is.EqualTo("from-option"));
        Assert.That(proxy?.Credential?.UserName, Is.EqualTo("user"));
        Assert.That(proxy?.Credential?.Password, Is.EqualTo("pass"));
    }

    [Test]
    public void Select_ProxyOptionBypassesHost_ReturnsNull()
    {
        var options = WithEnvironment("http://from-env:1");
        options.Proxy = new WebProxy("http://from-option:2", false, [@"example\.com"]);

        var proxy = ProxySelector.Select(new Uri("wss://example.com/"), options.ToConnectSettings());

        Assert.That(proxy, Is.Null);
    }

    [Test]
    public void Select_UseEnvironmentProxyFalse_IgnoresEnvironment()
    {
        var options = WithEnvironment("http://from-env:1");
        options.UseEnvironmentProxy = false;

        var proxy = ProxySelector.Select(new Uri("ws://example.com/"), options.ToConnectSettings());

        Assert.That(proxy, Is.Null);
    }

    [Test]
    public void Select_EnvironmentOnly_UsesEnvironment()
    {
        var proxy = ProxySelector.Select(new Uri("ws://example.com/"), WithEnvironment("http://from-env:1").ToConnectSettings());

        Assert.That(proxy?.Address.Host, Is.EqualTo("from-env"));
    }

    [Test]
    public void CreateRequest_WithCredentials_SendsConnectWithBasicAuthorization()
    {
        var proxy = new ProxyEndpoint(new Uri("http://proxy:3128"), new NetworkCredential("user", "pass"));

        var request = System.Text.Encoding.ASCII.GetString(ProxyTunnel.CreateRequest("[::1]:9000", proxy).Span);

        Assert.That(request, Is.EqualTo(
            "CONNECT [::1]:9000 HTTP/1.1\r\nHost: [::1]:9000\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n"));
    }

    [Test]
    public void Validate_HttpsWebProxy_ThrowsArgumentExceptionNamingProxy()
    {
        var options = new WebSocketClientOptions { Proxy = new WebProxy("https://proxy:3128") };

        var error = Assert.Throws<ArgumentException>(() => options.ValidatedCopy());

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketClientOptions.Proxy)));
    }

    [Test]
    public void Validate_NegativeMaxRedirects_ThrowsArgumentExceptionNamingIt()
    {
        var options = new WebSocketClientOptions { MaxRedirects = -1 };

        var error = Assert.Throws<ArgumentException>(() => options.ValidatedCopy());

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketClientOptions.MaxRedirects)));
    }
}
