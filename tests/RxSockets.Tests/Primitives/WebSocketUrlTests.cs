namespace RxSockets.Tests.Primitives;

public class WebSocketUrlTests
{
    [TestCase("ws://example.com/chat", true)]
    [TestCase("wss://example.com:8443/chat?room=1", true)]
    [TestCase("ws://127.0.0.1:0/", true)]
    [TestCase("ws://[::1]:9000/", true)]
    [TestCase("http://example.com/chat", false)]
    [TestCase("https://example.com/chat", false)]
    [TestCase("ftp://example.com/", false)]
    [TestCase("ws://example.com/chat#top", false)]
    [TestCase("/chat", false)]
    [TestCase("example.com", false)]
    [TestCase("", false)]
    [TestCase(null, false)]
    public void IsValid_String_AcceptsOnlyAbsoluteWsUrlsWithoutFragment(string? url, bool expected)
    {
        var valid = WebSocketUrl.IsValid(url);

        Assert.That(valid, Is.EqualTo(expected));
    }

    [Test]
    public void IsValid_NullUri_ReturnsFalse()
    {
        var valid = WebSocketUrl.IsValid((Uri?)null);

        Assert.That(valid, Is.False);
    }

    [TestCase("http://example.com/chat")]
    [TestCase("https://example.com/chat")]
    public void Validate_HttpUrl_ThrowsArgumentExceptionPointingToFromHttp(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => WebSocketUrl.Validate(new Uri(url), "uri"));

        Assert.That(error?.ParamName, Is.EqualTo("uri"));
        Assert.That(error?.Message, Does.Contain("ws://").And.Contain("FromHttp"));
    }

    [Test]
    public void Parse_HttpUrl_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => WebSocketUrl.Parse("http://example.com/", "url"));

        Assert.That(error?.Message, Does.Contain("FromHttp"));
    }

    [TestCase("not a url")]
    [TestCase("/relative")]
    public void Parse_NotAbsolute_ThrowsArgumentException(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => WebSocketUrl.Parse(url, "url"));

        Assert.That(error?.ParamName, Is.EqualTo("url"));
    }

    [Test]
    public void Parse_WithFragment_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => WebSocketUrl.Parse("ws://example.com/#frag", "url"));

        Assert.That(error?.Message, Does.Contain("fragment"));
    }

    [Test]
    public void FromHttp_UrlWithFragment_DropsTheFragment()
    {
        var uri = WebSocketUrl.FromHttp("https://example.com/feed?x=1#section");

        Assert.That(uri, Is.EqualTo(new Uri("wss://example.com/feed?x=1")));
        Assert.That(WebSocketUrl.IsValid(uri), Is.True);
    }

    [Test]
    public void Parse_WsUrl_ReturnsIt()
    {
        var uri = WebSocketUrl.Parse("wss://example.com:8443/chat?x=1", "url");

        Assert.That(uri, Is.EqualTo(new Uri("wss://example.com:8443/chat?x=1")));
    }

    [TestCase("http://example.com/chat", "ws://example.com/chat")]
    [TestCase("https://example.com/chat", "wss://example.com/chat")]
    [TestCase("http://example.com:8080/a/b?x=1&y=2", "ws://example.com:8080/a/b?x=1&y=2")]
    [TestCase("https://example.com:8443/a?q=%20", "wss://example.com:8443/a?q=%20")]
    [TestCase("http://example.com:80/", "ws://example.com/")]
    [TestCase("https://example.com:443/", "wss://example.com/")]
    [TestCase("http://example.com:443/", "ws://example.com:443/")]
    [TestCase("https://example.com:80/", "wss://example.com:80/")]
    [TestCase("ws://example.com:9000/x", "ws://example.com:9000/x")]
    [TestCase("wss://example.com/x", "wss://example.com/x")]
    [TestCase("http://127.0.0.1:5000/ws", "ws://127.0.0.1:5000/ws")]
    public void FromHttp_Url_MapsSchemeKeepingPortPathAndQuery(string url, string expected)
    {
        var converted = WebSocketUrl.FromHttp(url);

        Assert.That(converted.AbsoluteUri, Is.EqualTo(new Uri(expected).AbsoluteUri));
        Assert.That(converted.Port, Is.EqualTo(new Uri(expected).Port));
        Assert.That(WebSocketUrl.IsValid(converted), Is.True);
    }

    [Test]
    public void FromHttp_Uri_SameAsString()
    {
        var converted = WebSocketUrl.FromHttp(new Uri("https://example.com:9443/p?q=1"));

        Assert.That(converted, Is.EqualTo(new Uri("wss://example.com:9443/p?q=1")));
    }

    [TestCase("ftp://example.com/")]
    [TestCase("relative/path")]
    public void FromHttp_OtherSchemeOrRelative_ThrowsArgumentException(string url)
    {
        Assert.That(() => WebSocketUrl.FromHttp(url), Throws.ArgumentException);
    }

    [Test]
    public void FromHttp_RelativeUri_ThrowsArgumentException()
    {
        var relative = new Uri("/chat", UriKind.Relative);

        Assert.That(() => WebSocketUrl.FromHttp(relative), Throws.ArgumentException);
    }
}
