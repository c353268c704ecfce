using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Protocol.Connection;

/// <summary>
/// How <see cref="RxSockets.Protocol.Connection.ConnectionProtocol"/> decides the connection's state and its end: the
/// inputs the driver gives it (the close timed out, the transport ended, reading ended) and what it answers.
/// </summary>
public class ConnectionProtocolOutcomeTests
{
    private static readonly byte[] s_normalClose = [0x03, 0xE8];

    [Test]
    public void State_MovesOpenClosingClosed_AndClosedIsFinal()
    {
        var protocol = ProtocolHarness.Server().Protocol;

        Assert.That(protocol.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(protocol.TrySetState(ConnectionState.Closing), Is.True);
        Assert.That(protocol.TrySetState(ConnectionState.Closing), Is.False, "no second notification");
        Assert.That(protocol.TrySetState(ConnectionState.Closed), Is.True);
        Assert.That(protocol.TrySetState(ConnectionState.Closing), Is.False);
        Assert.That(protocol.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test]
    public void Sends_AreRefusedOnceOurCloseIsDecided_NamingBothCloses()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Protocol.SendRefusal(aborted: false), Is.Null);
        Assert.That(peer.Protocol.SendRefusal(aborted: true), Is.Not.Null);
        peer.Feed(ClientFrame.Masked(Opcode.Close, s_normalClose));

        var refusal = peer.Protocol.SendRefusal(aborted: false);
        Assert.That((refusal?.Sent, refusal?.Received), Is.EqualTo(((CloseStatus?)new CloseStatus(CloseCode.NormalClosure), (CloseStatus?)new CloseStatus(CloseCode.NormalClosure))));
    }

    [Test]
    public void CloseTimedOut_AfterBothClosesCrossed_IsStillClean()
    {
        var peer = ProtocolHarness.Server();
        peer.Feed(ClientFrame.Masked(Opcode.Close, s_normalClose));

        var failure = peer.Protocol.CloseTimedOut(TimeSpan.FromSeconds(10));
        peer.Protocol.TransportEnded(failure);

        Assert.That((failure, peer.Protocol.IsClean), Is.EqualTo(((Exception?)null, true)));
    }

    [Test]
    public void CloseTimedOut_WithoutThePeersClose_FailsWithATimeout()
    {
        var peer = ProtocolHarness.Server();
        peer.Protocol.QueueClose(new CloseStatus(CloseCode.NormalClosure), failFast: false, error: null);
        peer.WriteCloseIfDue();

        peer.Protocol.TransportEnded(peer.Protocol.CloseTimedOut(TimeSpan.FromSeconds(10)));

        var outcome = peer.Protocol.Outcome(peer.Protocol.IsClean);
        Assert.That(peer.Protocol.Failure, Is.InstanceOf<TimeoutException>());
        Assert.That(outcome?.Message, Does.StartWith("The connection timed out: The close handshake did not complete within 00:00:10"));
    }

    [Test]
    public void TransportReset_AfterThePeersClose_ChangesNothing_BeforeItIsTheFailure()
    {
        var closed = ProtocolHarness.Server();
        var open = ProtocolHarness.Server();
        closed.Feed(ClientFrame.Masked(Opcode.Close, s_normalClose));

        closed.Protocol.TransportEnded(new IOException("reset"));
        open.Protocol.TransportEnded(new IOException("reset"));

        Assert.That((closed.Protocol.Failure, closed.Protocol.IsClean), Is.EqualTo(((Exception?)null, true)));
        Assert.That(open.Protocol.Outcome(open.Protocol.IsClean)?.Message, Is.EqualTo("The connection closed abnormally (1006): reset"));
    }

    [Test]
    public void ReadEnded_WithoutAClose_IsAFailure_AfterOneIsNot()
    {
        var vanished = ProtocolHarness.Server();
        var closed = ProtocolHarness.Server();
        closed.Feed(ClientFrame.Masked(Opcode.Close, s_normalClose));

        Assert.That((vanished.Protocol.ReadEnded(), closed.Protocol.ReadEnded()), Is.EqualTo((true, false)));
        Assert.That(vanished.Protocol.Failure?.Message, Is.EqualTo("The peer closed the connection without a close frame."));
        Assert.That(closed.Protocol.Failure, Is.Null);
    }

    [Test]
    public void ReadEnded_AfterWeFailedTheConnection_IsNotAnotherFailure()
    {
        var peer = ProtocolHarness.Server();
        var error = new ProtocolException(CloseCode.ProtocolError, "bad");
        peer.Protocol.QueueFailure(error);

        Assert.That(peer.Protocol.ReadEnded(), Is.False);
        Assert.That(peer.Protocol.Failure, Is.SameAs(error));
    }
}
