namespace RxSockets.Tests.Client;

public class WebSocketClientFactoryTests
{
    private static readonly WebSocketClientFactory s_factory = new(new Uri("https://api.example.com/v1/"));

    [TestCase("/chat", "wss://api.example.com/chat")]
    [TestCase("chat", "wss://api.example.com/v1/chat")]
    [TestCase("rooms/42?token=abc", "wss://api.example.com/v1/rooms/42?token=abc")]
    [TestCase("wss://other.example/room", "wss://other.example/room")]
    [TestCase("ws://127.0.0.1:8080/", "ws://127.0.0.1:8080/")]
    [TestCase("http://plain.example/feed", "ws://plain.example/feed")]
    public void Resolve_PathOrUrl_ResolvesAgainstTheBaseAddress(string pathOrUrl, string expected)
    {
        var url = s_factory.Resolve(pathOrUrl);

        Assert.That(url, Is.EqualTo(new Uri(expected)));
    }

    [Test]
    public async Task Create_Path_MakesAnIdleClientForTheResolvedUrl()
    {
        await using var client = s_factory.Create("/chat");

        Assert.That(client.Url, Is.EqualTo(new Uri("wss://api.example.com/chat")));
        Assert.That(client.State, Is.EqualTo(ClientState.Idle));
    }

    [Test]
    public void Constructor_NotAWebSocketAddress_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new WebSocketClientFactory(new Uri("ftp://example.com/")));

        Assert.That(error?.ParamName, Is.EqualTo("baseAddress"));
    }
}
