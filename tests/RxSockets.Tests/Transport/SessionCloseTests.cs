using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport;

public class SessionCloseTests
{
    private static readonly ConnectionRole[] s_roles = [ConnectionRole.Client, ConnectionRole.Server];

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task CloseAsync_PeerEchoes_CompletesCleanlyThroughClosing(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());
        var states = new RecordingObserver<ConnectionState>();
        using var subscription = connection.States.Subscribe(states);

        var closing = connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        var sent = await peer.ExpectCloseAsync(cancellationToken);
        var stateWhileClosing = connection.State;
        await peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        await peer.CompleteAsync();   // a server would close TCP now; a client's end is ignored after the close
        await closing;
        await peer.ExpectEndAsync(cancellationToken);

        Assert.That(sent, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "done")));
        Assert.That(stateWhileClosing, Is.EqualTo(ConnectionState.Closing));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(await states.Terminated, Is.Null);
        Assert.That(states.Values, Is.EqualTo(new[] { ConnectionState.Open, ConnectionState.Closing, ConnectionState.Closed }));
    }

    [Test, CancelAfter(5_000)]
    public async Task States_FirstReadAfterTheConnectionClosed_ReplaysClosedAndCompletes(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        connection.Abort();
        await Task.WhenAny(connection.Completion).WaitAsync(cancellationToken);

        var states = new RecordingObserver<ConnectionState>();
        using var subscription = connection.States.Subscribe(states);

        Assert.That(await states.Terminated.WaitAsync(cancellationToken), Is.Null);
        Assert.That(states.Values, Is.EqualTo(new[] { ConnectionState.Closed }));
        GC.KeepAlive(peer);
    }

    [Test, CancelAfter(5_000)]
    public async Task CloseAsync_ServerWithEchoingPeer_EndsWithoutWaitingForPeerToDisconnect(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());

        var closing = connection.CloseAsync(CloseCode.GoingAway, "", cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.GoingAway, "", cancellationToken);
        await closing;

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
        await peer.ExpectEndAsync(cancellationToken);
    }

    [Test, CancelAfter(5_000)]
    public async Task PeerClose_ResetAfterTheHandshakeCompleted_StillEndsCleanly(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());

        await peer.SendCloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);
        await peer.Output.CompleteAsync(new IOException("Connection reset by peer"));   // RST instead of FIN
        await connection.Completion.WaitAsync(cancellationToken);

        Assert.That(connection.Completion.IsCompletedSuccessfully, Is.True);
        Assert.That(connection.CloseStatus, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "bye")));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task PeerClose_IsEchoedWithItsCodeAndRecorded(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());
        var incoming = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(incoming);

        await peer.SendCloseAsync((CloseCode)4001, "bye now", cancellationToken);
        var echo = await peer.ExpectCloseAsync(cancellationToken);
        await peer.CompleteAsync();
        await connection.Completion.WaitAsync(cancellationToken);

        Assert.That(echo?.Code, Is.EqualTo((CloseCode)4001));
        Assert.That(connection.CloseStatus, Is.EqualTo(new CloseStatus((CloseCode)4001, "bye now")));
        Assert.That(await incoming.Terminated.WaitAsync(cancellationToken), Is.Null);
    }

    [Test, CancelAfter(5_000)]
    public async Task PeerClose_EmptyBody_IsEchoedEmpty(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());

        await peer.SendFrameAsync(Opcode.Close, [], cancellationToken);
        var echo = await peer.ExpectFrameAsync(Opcode.Close, cancellationToken);
        await connection.Completion.WaitAsync(cancellationToken);

        Assert.That(echo.Payload, Is.Empty);
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.NoStatusReceived));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task CloseAsync_PeerNeverEchoes_FaultsWithTimeoutAfterCloseTimeout(ConnectionRole role, CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(role, clock);
        var closing = connection.CloseAsync(cancellationToken: cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);

        clock.AdvanceBy(TimeSpan.FromSeconds(9.9));
        var completedEarly = connection.Completion.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromSeconds(0.2));

        Assert.That(completedEarly, Is.False);
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => closing);
        Assert.That(error?.InnerException, Is.InstanceOf<TimeoutException>());
        Assert.That(error?.Sent?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test, CancelAfter(5_000)]
    public async Task ClientClose_ServerEchoesButKeepsTcpOpen_ClosesCleanlyAtTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, clock);
        var closing = connection.CloseAsync(cancellationToken: cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        await Until.TrueAsync(() => connection.CloseStatus is not null, cancellationToken);

        clock.AdvanceBy(TimeSpan.FromSeconds(10));
        await closing;

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [TestCase(ConnectionRole.Server, TestName = "ProtocolError_UnmaskedFrameToServer_ClosesWith1002")]
    [TestCase(ConnectionRole.Client, TestName = "ProtocolError_MaskedFrameToClient_ClosesWith1002")]
    [CancelAfter(5_000)]
    public async Task ProtocolError_WrongMasking_ClosesWith1002(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());

        await peer.WriteAsync(peer.BuildFrame(Opcode.Text, "hi"u8, masked: role == ConnectionRole.Client), cancellationToken);
        var close = await peer.ExpectCloseAsync(cancellationToken);
        await peer.ExpectEndAsync(cancellationToken);

        Assert.That(close?.Code, Is.EqualTo(CloseCode.ProtocolError));
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.InnerException, Is.InstanceOf<ProtocolException>());
        Assert.That((error?.InnerException as ProtocolException)?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test, CancelAfter(5_000)]
    public async Task ProtocolError_InvalidUtf8Text_ClosesWith1007(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var incoming = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(incoming);

        await peer.SendFrameAsync(Opcode.Text, [0x48, 0xFF, 0xFE], cancellationToken);
        var close = await peer.ExpectCloseAsync(cancellationToken);

        Assert.That(close?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That((error?.InnerException as ProtocolException)?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
        Assert.That(await incoming.Terminated.WaitAsync(cancellationToken), Is.InstanceOf<ConnectionClosedException>());
    }

    [Test, CancelAfter(5_000)]
    public async Task ProtocolError_MessageOverLimit_ClosesWith1009(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler(), o => o.MaxMessageSize = 100);

        await peer.SendBinaryAsync(new byte[101], cancellationToken);
        var close = await peer.ExpectCloseAsync(cancellationToken);

        Assert.That(close?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task PeerVanishes_WithoutClose_FaultsWith1006(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());
        var messages = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

        await peer.CompleteAsync();

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(connection.CloseStatus, Is.Null);
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await messages.MoveNextAsync());
        await messages.DisposeAsync();
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task SendAsync_AfterClose_FaultsTheTask(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());
        var closing = connection.CloseAsync(cancellationToken: cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        await peer.CompleteAsync();
        await closing;

        var send = connection.SendAsync("too late", cancellationToken);

        Assert.That(send.IsFaulted, Is.True);
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await send);
    }

    [Test, CancelAfter(5_000)]
    public async Task SendAsync_WhileClosing_FaultsTheTask(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        _ = connection.CloseAsync(cancellationToken: cancellationToken);

        var send = connection.SendAsync("too late", cancellationToken);

        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await send);
        await peer.ExpectCloseAsync(cancellationToken);
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Abort_OpenConnection_FaultsCompletionAndEndsTransport(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());

        connection.Abort();

        await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
        await peer.ExpectEndAsync(cancellationToken);
    }

    [Test, CancelAfter(5_000)]
    public async Task SendAsync_RightAfterAbort_FaultsTheTask(CancellationToken cancellationToken)
    {
        var (connection, _) = InMemory.Open(ConnectionRole.Client, new TestScheduler());

        connection.Abort();
        var send = connection.SendAsync("lost?", cancellationToken);

        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await send);
        Assert.That(connection.BufferedAmount, Is.Zero);
    }

    [Test, CancelAfter(5_000)]
    public async Task CloseAsync_AfterAbort_StateStaysClosed(CancellationToken cancellationToken)
    {
        var (connection, _) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        connection.Abort();
        await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));

        await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.CloseAsync(cancellationToken: cancellationToken));

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test, CancelAfter(5_000)]
    public async Task DisposeAsync_Twice_ClosesOnceAndNeverThrows(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var disposing = connection.DisposeAsync();
        await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);

        await disposing;
        await connection.DisposeAsync();

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(connection.Completion.IsCompletedSuccessfully, Is.True);
        await peer.ExpectEndAsync(cancellationToken);
    }

    [Test, CancelAfter(5_000)]
    public async Task DisposeAsync_AfterFailure_DoesNotThrow(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        await peer.CompleteAsync();
        await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));

        await connection.DisposeAsync();
        await connection.DisposeAsync();

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test, CancelAfter(5_000)]
    public async Task ProtocolError_WhileWaitingForCloseEcho_IsTheReportedCause(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var closing = connection.CloseAsync(cancellationToken: cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);

        await peer.WriteAsync(peer.BuildFrame(Opcode.Text, "unmasked"u8, masked: false), cancellationToken);

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => closing);
        Assert.That(error?.InnerException, Is.InstanceOf<ProtocolException>());
    }

    [Test, CancelAfter(20_000)]
    public async Task AbortCloseAndDispose_Racing_AlwaysEndClosedWithoutThrowing(CancellationToken cancellationToken)
    {
        for (var round = 0; round < 200; round++)
        {
            var (connection, peer) = InMemory.Open(round % 2 == 0 ? ConnectionRole.Client : ConnectionRole.Server, new TestScheduler());
            var echo = Task.Run(async () =>
            {
                while (await peer.ReadFrameAsync(cancellationToken) is { } frame)
                {
                    if (frame.Header.Opcode == Opcode.Close)
                    {
                        await peer.SendFrameAsync(Opcode.Close, frame.Payload, cancellationToken);
                        await peer.CompleteAsync();
                        return;
                    }
                }
            }, cancellationToken);

            var racers = new[]
            {
                Task.Run(connection.Abort, cancellationToken),
                Task.Run(async () =>
                {
                    try
                    {
                        await connection.CloseAsync(cancellationToken: cancellationToken);
                    }
                    catch (ConnectionClosedException)
                    {
                    }
                }, cancellationToken),
                Task.Run(async () => await connection.DisposeAsync(), cancellationToken),
                Task.Run(async () =>
                {
                    try
                    {
                        await connection.SendAsync("racing", cancellationToken);
                    }
                    catch (ConnectionClosedException)
                    {
                    }
                }, cancellationToken),
            };
            await Task.WhenAll(racers);
            await connection.DisposeAsync();
            await Task.WhenAny(connection.Completion);
            await echo;

            Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed), $"round {round}");
            Assert.That(connection.Completion.IsCompleted, Is.True, $"round {round}");
        }
    }
}
