using RxSockets.Protocol.Handshake;

namespace RxSockets.Tests.Protocol.Handshake;

public class RequestUrlTests
{
    private static HandshakeRequest Request(string target, string host = "example.com:8080") =>
        HandshakeRequest.Create("GET", target, [new("Host", host)]);

    [Test]
    public void For_SameUrlAgain_ReturnsTheSameUri()
    {
        var urls = new RequestUrl(secure: false);

        var first = urls.For(Request("/chat?room=1"));
        var second = urls.For(Request("/chat?room=1"));

        Assert.That(first, Is.EqualTo(new Uri("ws://example.com:8080/chat?room=1")));
        Assert.That(second, Is.SameAs(first));
    }

    [TestCase("/chat?room=2", "example.com:8080", "ws://example.com:8080/chat?room=2")]
    [TestCase("/chat", "example.com:8080", "ws://example.com:8080/chat")]
    [TestCase("/chat?room=1", "example.com:9090", "ws://example.com:9090/chat?room=1")]
    [TestCase("/cha", "example.com:8080", "ws://example.com:8080/cha")]
    public void For_DifferentUrl_BuildsItsOwn(string target, string host, string expected)
    {
        var urls = new RequestUrl(secure: false);
        var first = urls.For(Request("/chat?room=1"));

        var other = urls.For(Request(target, host));

        Assert.That(other.OriginalString, Is.EqualTo(expected));
        Assert.That(other, Is.Not.SameAs(first));
    }

    [Test]
    public void For_SecureServer_UsesWss()
    {
        var url = new RequestUrl(secure: true).For(Request("/"));

        Assert.That(url.OriginalString, Is.EqualTo("wss://example.com:8080/"));
    }
}
