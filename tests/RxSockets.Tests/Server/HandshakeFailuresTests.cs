using Microsoft.Reactive.Testing;
using System.Net;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

/// <summary><see cref="WebSocketServer.HandshakeFailures"/>: refusals and failures as values, on the embedded server
/// and on a detached one.</summary>
public class HandshakeFailuresTests
{
    [Test, CancelAfter(10_000)]
    public async Task HandshakeFailures_WrongPath_Reports404WithPathAndAddress(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Path = "/chat" }, cancellationToken);
        var reported = InMemory.NextAsync(server.HandshakeFailures, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(new Uri(server.Url, "/other?x=1"), cancellationToken: cancellationToken));
        var failure = await reported;

        Assert.That(error?.StatusCode, Is.EqualTo(404));
        Assert.That(failure.StatusCode, Is.EqualTo(404));
        Assert.That(failure.Path, Is.EqualTo("/other"));
        Assert.That((failure.RemoteEndPoint as IPEndPoint)?.Address, Is.EqualTo(IPAddress.Loopback));
        Assert.That(failure.Reason, Is.Not.Empty);
        Assert.That(failure.Exception, Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task HandshakeFailures_VerifyClientRefuses_ReportsItsStatusAndReason(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            Path = "/chat",
            VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(new HandshakeRejection(401, "who are you?")),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var reported = InMemory.NextAsync(server.HandshakeFailures, cancellationToken);

        Assert.That(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken), Throws.InstanceOf<HandshakeException>());
        var failure = await reported;

        Assert.That(failure, Is.EqualTo(failure with { Path = "/chat", StatusCode = 401, Reason = "who are you?", Exception = null }));
    }

    [Test, CancelAfter(10_000)]
    public async Task HandshakeFailures_VerifyClientThrows_Reports500WithTheException(CancellationToken cancellationToken)
    {
        var bug = new InvalidOperationException("hook bug");
        var options = new WebSocketServerOptions { VerifyClient = (_, _) => throw bug };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var reported = InMemory.NextAsync(server.HandshakeFailures, cancellationToken);

        Assert.That(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken), Throws.InstanceOf<HandshakeException>());
        var failure = await reported;

        Assert.That(failure.StatusCode, Is.EqualTo(500));
        Assert.That(failure.Exception, Is.SameAs(bug));
    }

    [Test, CancelAfter(10_000)]
    public async Task HandshakeFailures_ServerStops_Completes(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var observer = new RecordingObserver<HandshakeFailure>();
        using var subscription = server.HandshakeFailures.Subscribe(observer);

        await server.StopAsync(cancellationToken);

        Assert.That(await observer.Terminated.WaitAsync(cancellationToken), Is.Null);
        Assert.That(observer.Values, Is.Empty);
    }

    [Test, CancelAfter(5_000)]
    public async Task HandshakeFailures_DetachedRefusal_IsReported(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(new TestScheduler(), o => o.Path = "/ws");
        var reported = InMemory.NextAsync(server.HandshakeFailures, cancellationToken);

        using var upgrade = await server.NegotiateAsync(Detached.Request("/elsewhere?q=1"), cancellationToken);
        var failure = await reported;

        Assert.That(upgrade.Rejection?.StatusCode, Is.EqualTo(404));
        Assert.That(failure.StatusCode, Is.EqualTo(404));
        Assert.That(failure.Path, Is.EqualTo("/elsewhere"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_Refused_ExceptionCarriesTheRefusalsHeadersAndBody(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(
                new HandshakeRejection(503, "busy, come back", new Dictionary<string, string> { ["Retry-After"] = "7" })),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(503));
        Assert.That(error?.Headers["retry-after"], Is.EqualTo("7"));
        Assert.That(error?.Body, Is.EqualTo("busy, come back"));
    }
}
