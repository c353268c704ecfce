using System.IO.Pipelines;
using System.Net;
using Microsoft.Reactive.Testing;

namespace RxSockets.Tests.Support;

/// <summary>Connections to a detached server (<see cref="WebSocketServer.CreateDetached"/>) over in-memory pipes, each
/// with a <see cref="RawPeer"/> client on the other end: the whole server, without a socket.</summary>
internal static class Detached
{
    /// <summary>A valid upgrade request for <paramref name="target"/> from <paramref name="remote"/>.</summary>
    public static HandshakeRequest Request(string target = "/", IPEndPoint? remote = null, params KeyValuePair<string, string>[] extra) =>
        HandshakeRequest.Create("GET", target,
        [
            new("Host", "127.0.0.1"), new("Upgrade", "websocket"), new("Connection", "Upgrade"),
            new("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), new("Sec-WebSocket-Version", "13"), .. extra,
        ], remote);

    /// <summary>Negotiates and accepts one connection; <paramref name="wrapOutput"/> may wrap the server's writer
    /// (for example in a <see cref="GatedPipeWriter"/>).</summary>
    public static async Task<(WebSocketConnection Connection, RawPeer Peer)> OpenAsync(
        WebSocketServer server, CancellationToken cancellationToken, Func<PipeWriter, PipeWriter>? wrapOutput = null, IPEndPoint? remote = null,
        params KeyValuePair<string, string>[] extra)
    {
        var (local, other) = PipePair.Create();
        using var upgrade = await server.NegotiateAsync(Request(remote: remote, extra: extra), cancellationToken);
        Assert.That(upgrade.Rejection, Is.Null);
        var transport = wrapOutput is null ? local : new DuplexPipe(local.Input, wrapOutput(local.Output));
        return (server.Accept(upgrade, transport), RawPeer.Client(other));
    }

    /// <summary>A detached server with keepalive off, on <paramref name="clock"/> when given. Without a clock, the close
    /// timeout is short, so disposing the server does not wait long for peers that never answer its close.</summary>
    public static WebSocketServer Server(TestScheduler? clock = null, Action<WebSocketServerOptions>? configure = null)
    {
        var options = new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan, CloseTimeout = TimeSpan.FromMilliseconds(200) };
        if (clock is not null)
        {
            options.Scheduler = clock;
        }

        configure?.Invoke(options);
        return WebSocketServer.CreateDetached(options);
    }
}
