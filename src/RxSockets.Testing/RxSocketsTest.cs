using System.IO.Pipelines;
using System.Reactive.Concurrency;

namespace RxSockets.Testing;

/// <summary>
/// Entry points for testing code built on RxSockets without a network: a connected client and server in memory,
/// optionally on a virtual clock, with a link between them that can stall, drop and cut.
/// </summary>
/// <example>
/// <code>
/// var clock = new TestScheduler();   // Microsoft.Reactive.Testing, or any virtual-time IScheduler
/// await using var pair = RxSocketsTest.CreatePair(clock);
/// pair.Link.Stall();                 // the server goes silent
/// clock.AdvanceBy(TimeSpan.FromSeconds(40).Ticks);
/// // the client's keepalive has declared the server dead: pair.Client.State is Closed
/// </code>
/// </example>
public static class RxSocketsTest
{
    /// <summary>A client connection and a server connection, open and connected over an <see cref="InMemoryLink"/>
    /// (the opening handshake is skipped: both start open).</summary>
    /// <param name="clientOptions">The client end's options (validated and copied); null for the defaults.</param>
    /// <param name="serverOptions">The server end's options (validated and copied); null for the defaults.</param>
    /// <param name="pipeOptions">The link's pipe options (see <see cref="InMemoryLink(PipeOptions?)"/>); null for the defaults.</param>
    /// <returns>The pair; dispose it at the end of the test.</returns>
    /// <exception cref="ArgumentException">An option is invalid (the message names it), or
    /// <see cref="ConnectionOptions.PerMessageDeflate"/> is set: compression is agreed in the opening handshake, which
    /// a pair skips (use <see cref="ConnectAsync"/> against a server, or a real client and server on loopback).</exception>
    public static ConnectionPair CreatePair(
        WebSocketClientOptions? clientOptions = null, WebSocketServerOptions? serverOptions = null, PipeOptions? pipeOptions = null)
    {
        RequireNoDeflate(clientOptions, nameof(clientOptions));
        RequireNoDeflate(serverOptions, nameof(serverOptions));
        var link = new InMemoryLink(pipeOptions);
        WebSocketConnection? client = null;
        try
        {
            client = WebSocketConnection.Create(link.ClientEnd, ConnectionRole.Client, clientOptions ?? new WebSocketClientOptions());
            var server = WebSocketConnection.Create(link.ServerEnd, ConnectionRole.Server, serverOptions ?? new WebSocketServerOptions());
            return new ConnectionPair(client, server, link);
        }
        catch
        {
            client?.Abort();
            link.Cut();
            throw;
        }
    }

    /// <summary>A pair whose every timer, on both ends, runs on <paramref name="scheduler"/> (see
    /// <see cref="VirtualTime"/>).</summary>
    /// <param name="scheduler">The clock of both ends, such as Microsoft.Reactive.Testing's <c>TestScheduler</c>.</param>
    /// <param name="configureClient">Changes the client end's options before the pair is made; null for none.</param>
    /// <param name="configureServer">Changes the server end's options before the pair is made; null for none.</param>
    /// <returns>The pair; dispose it at the end of the test.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public static ConnectionPair CreatePair(
        IScheduler scheduler, Action<WebSocketClientOptions>? configureClient = null, Action<WebSocketServerOptions>? configureServer = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        var client = new WebSocketClientOptions().UseScheduler(scheduler);
        var server = new WebSocketServerOptions().UseScheduler(scheduler);
        configureClient?.Invoke(client);
        configureServer?.Invoke(server);
        return CreatePair(client, server);
    }

    /// <summary>Connects a client connection to <paramref name="server"/> over an <see cref="InMemoryLink"/>: the
    /// server checks the upgrade request as it would one from the network (path, origin, sub-protocols, headers,
    /// limits, <see cref="WebSocketServerOptions.VerifyClient"/>), then the connection joins its clients, topics and
    /// messaging and is published on <see cref="WebSocketServer.Connections"/>. Works with a detached server
    /// (<see cref="WebSocketServer.CreateDetached"/>, no socket at all) and with a listening one.</summary>
    /// <param name="server">The server.</param>
    /// <param name="path">The request target, such as <c>/chat?room=1</c>.</param>
    /// <param name="clientOptions">The client end's options: its <see cref="ClientConnectionOptions.Headers"/>,
    /// <see cref="ClientConnectionOptions.Origin"/> and <see cref="ClientConnectionOptions.SubProtocols"/> go into the
    /// request; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the server's verification.</param>
    /// <returns>The pair; its <see cref="ConnectionPair.Server"/> is the server's connection.</returns>
    /// <exception cref="ArgumentException">An option is invalid, or compression is asked for (see
    /// <see cref="CreatePair(WebSocketClientOptions?, WebSocketServerOptions?, PipeOptions?)"/>).</exception>
    /// <exception cref="InvalidOperationException">The server refused the upgrade; the message gives the status. To
    /// test a refusal itself, call <see cref="WebSocketServer.NegotiateAsync"/> and read its
    /// <see cref="WebSocketUpgrade.Rejection"/>.</exception>
    public static async Task<ConnectionPair> ConnectAsync(
        WebSocketServer server, string path = "/", WebSocketClientOptions? clientOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path[0] != '/')
        {
            throw new ArgumentException($"The path must start with '/' (got \"{path}\").", nameof(path));
        }

        clientOptions ??= new WebSocketClientOptions();
        RequireNoDeflate(clientOptions, nameof(clientOptions));
        using var upgrade = await server.NegotiateAsync(UpgradeRequest.For(path, clientOptions), cancellationToken).ConfigureAwait(false);
        if (upgrade.Rejection is { } refused)
        {
            throw new InvalidOperationException($"The server refused the upgrade: {refused.StatusCode} {refused.Reason}".TrimEnd());
        }

        var link = new InMemoryLink();
        try
        {
            var client = WebSocketConnection.Create(link.ClientEnd, ConnectionRole.Client, clientOptions);
            return new ConnectionPair(client, server.Accept(upgrade, link.ServerEnd), link);
        }
        catch
        {
            link.Cut();
            throw;
        }
    }

    private static void RequireNoDeflate(ConnectionOptions? options, string parameter)
    {
        if (options?.PerMessageDeflate is not null)
        {
            throw new ArgumentException(
                "PerMessageDeflate is agreed in the opening handshake, which an in-memory pair does not run: leave it null, "
                + "or test compression with a client and a server on loopback.", parameter);
        }
    }
}
