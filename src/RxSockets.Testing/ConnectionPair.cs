namespace RxSockets.Testing;

/// <summary>
/// A client connection and a server connection talking to each other over an <see cref="InMemoryLink"/>, made by
/// <c>RxSocketsTest.CreatePair</c> or <see cref="RxSocketsTest.ConnectAsync"/>. Both are open from the start.
/// </summary>
/// <example>
/// <code>
/// await using var pair = RxSocketsTest.CreatePair();
/// var (client, server) = pair;
/// await client.SendAsync("hello");
/// </code>
/// </example>
public sealed class ConnectionPair : IAsyncDisposable
{
    internal ConnectionPair(WebSocketConnection client, WebSocketConnection server, InMemoryLink link)
    {
        Client = client;
        Server = server;
        Link = link;
    }

    /// <summary>The client end (it masks what it sends, as RFC 6455 requires of a client).</summary>
    public WebSocketConnection Client { get; }

    /// <summary>The server end.</summary>
    public WebSocketConnection Server { get; }

    /// <summary>The link between them, to inject faults: <c>pair.Link.ServerToClient.Stall()</c>, <c>pair.Link.Cut()</c>.</summary>
    public InMemoryLink Link { get; }

    /// <summary>Gives the two connections, for <c>var (client, server) = pair;</c>.</summary>
    /// <param name="client">The client end.</param>
    /// <param name="server">The server end.</param>
    public void Deconstruct(out WebSocketConnection client, out WebSocketConnection server)
    {
        client = Client;
        server = Server;
    }

    /// <summary>Cuts the link first, so disposing never waits on a clock (a virtual one may never move again), then
    /// disposes both connections. Close them first (<see cref="WebSocketConnection.CloseAsync"/>) to test a clean close.</summary>
    /// <returns>A task that completes when both connections and the link have stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        Link.Cut();
        await Client.DisposeAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
        await Link.DisposeAsync().ConfigureAwait(false);
    }
}
