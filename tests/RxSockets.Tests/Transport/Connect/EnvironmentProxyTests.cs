using RxSockets.Transport;
using RxSockets.Transport.Connect;

namespace RxSockets.Tests.Transport.Connect;

public class EnvironmentProxyTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Test]
    public void Find_WsUrl_UsesHttpProxy()
    {
        var lookup = Environment(("HTTP_PROXY", "http://plain:3128"), ("HTTPS_PROXY", "http://secure:3129"));

        var proxy = EnvironmentProxy.Find(new Uri("ws://example.com/"), lookup);

        Assert.That(proxy?.Address, Is.EqualTo(new Uri("http://plain:3128")));
    }

    [Test]
    public void Find_WssUrl_UsesHttpsProxy()
    {
        var lookup = Environment(("HTTP_PROXY", "http://plain:3128"), ("HTTPS_PROXY", "http://secure:3129"));

        var proxy = EnvironmentProxy.Find(new Uri("wss://example.com/"), lookup);

        Assert.That(proxy?.Address, Is.EqualTo(new Uri("http://secure:3129")));
    }

    [Test]
    public void Find_LowercaseAndUppercaseSet_PrefersLowercase()
    {
        var lookup = Environment(("https_proxy", "http://lower:1"), ("HTTPS_PROXY", "http://upper:2"));

        var proxy = EnvironmentProxy.Find(new Uri("wss://example.com/"), lookup);

        Assert.That(proxy?.Address.Host, Is.EqualTo("lower"));
    }

    [Test]
    public void Find_NoVariable_ReturnsNull()
    {
        var proxy = EnvironmentProxy.Find(new Uri("ws://example.com/"), Environment(("HTTPS_PROXY", "http://secure:3129")));

        Assert.That(proxy, Is.Null);
    }

    [Test]
    public void Find_ValueWithoutScheme_MeansHttpWithCredentialsFromUserInfo()
    {
        var lookup = Environment(("http_proxy", "us%40er:p%3Ass@proxy.local:8080"));

        var proxy = EnvironmentProxy.Find(new Uri("ws://example.com/"), lookup);

        Assert.That(proxy?.Address.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped), Is.EqualTo("http://proxy.local:8080"));
        Assert.That(proxy?.Credential?.UserName, Is.EqualTo("us@er"));
        Assert.That(proxy?.Credential?.Password, Is.EqualTo("p:ss"));
    }

    [TestCase("socks5://proxy:1080")]
    [TestCase("https://proxy:3128")]
    public void Find_NonHttpProxy_ThrowsNotSupportedNamingTheVariable(string value)
    {
        var lookup = Environment(("HTTP_PROXY", value));

        var error = Assert.Throws<NotSupportedException>(() => EnvironmentProxy.Find(new Uri("ws://example.com/"), lookup));

        Assert.That(error?.Message, Does.Contain("HTTP_PROXY").And.Contain("http://"));
    }

    [Test]
    public void Find_HostInNoProxy_ReturnsNull()
    {
        var lookup = Environment(("HTTP_PROXY", "http://proxy:3128"), ("NO_PROXY", "localhost, example.com"));

        var proxy = EnvironmentProxy.Find(new Uri("ws://api.example.com/"), lookup);

        Assert.That(proxy, Is.Null);
    }

    [TestCase("ws://example.com/", "*", ExpectedResult = true)]
    [TestCase("ws://example.com/", "example.com", ExpectedResult = true)]
    [TestCase("ws://EXAMPLE.com/", "Example.COM", ExpectedResult = true)]
    [TestCase("ws://a.b.example.com/", "example.com", ExpectedResult = true)]
    [TestCase("ws://badexample.com/", "example.com", ExpectedResult = false)]
    [TestCase("ws://a.example.com/", ".example.com", ExpectedResult = true)]
    [TestCase("ws://example.com/", ".example.com", ExpectedResult = true)]
    [TestCase("ws://a.example.com/", "*.example.com", ExpectedResult = true)]
    [TestCase("ws://example.com:8080/", "example.com:8080", ExpectedResult = true)]
    [TestCase("ws://example.com:8080/", "example.com:9090", ExpectedResult = false)]
    [TestCase("ws://example.com/", "example.com:80", ExpectedResult = true)]
    [TestCase("wss://example.com/", "example.com:80", ExpectedResult = false)]
    [TestCase("ws://10.1.2.3/", "10.1.2.3", ExpectedResult = true)]
    [TestCase("ws://10.1.2.3/", "10.1.2.4", ExpectedResult = false)]
    [TestCase("ws://10.1.2.3/", "10.0.0.0/8", ExpectedResult = true)]
    [TestCase("ws://11.1.2.3/", "10.0.0.0/8", ExpectedResult = false)]
    [TestCase("ws://[::1]:9000/", "::1", ExpectedResult = true)]
    [TestCase("ws://[::1]:9000/", "[::1]:9000", ExpectedResult = true)]
    [TestCase("ws://[::1]:9000/", "[::1]:9001", ExpectedResult = false)]
    [TestCase("ws://127.0.0.1/", "localhost", ExpectedResult = false)]
    [TestCase("ws://example.com/", "", ExpectedResult = false)]
    [TestCase("ws://example.com/", " , ,", ExpectedResult = false)]
    public bool IsBypassed_NoProxyEntry_MatchesAsCurlDoes(string url, string noProxy) =>
        EnvironmentProxy.IsBypassed(new Uri(url), noProxy);
}
