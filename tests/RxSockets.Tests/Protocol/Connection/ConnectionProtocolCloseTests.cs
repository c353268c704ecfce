using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol.Connection;

/// <summary>
/// The close handshake and the failure decisions of <see cref="RxSockets.Protocol.Connection.ConnectionProtocol"/>,
/// bytes in and bytes out (RFC 6455 §5.5.1, §7.1.5–§7.1.7, §7.4): who closed first, the echo, close after close,
/// data after close, which code a broken close frame earns, and how the connection ended.
/// </summary>
public class ConnectionProtocolCloseTests
{
    private static byte[] CloseBody(int code, string reason = "") =>
        [(byte)(code >> 8), (byte)code, .. Encoding.UTF8.GetBytes(reason)];

    [Test]
    public void Server_PeerClosesFirst_EchoesTheCodeWithoutTheReason()
    {
        var peer = ProtocolHarness.Server();

        var events = peer.Feed(ClientFrame.Masked(Opcode.Close, CloseBody(1001, "bye")));

        Assert.That(events, Is.EqualTo(new[] { "Close 1001 bye" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()), Is.EqualTo("880203E9"));
        Assert.That(peer.Protocol.SentClose, Is.EqualTo(new CloseStatus(CloseCode.GoingAway)));
        Assert.That((peer.Protocol.IsClean, peer.Protocol.Outcome(peer.Protocol.IsClean)), Is.EqualTo((true, (ConnectionClosedException?)null)));
    }

    [Test]
    public void Client_PeerClosesFirst_EchoIsMaskedAndCarriesTheCode()
    {
        var peer = ProtocolHarness.Client();

        peer.Feed(ClientFrame.Unmasked(Opcode.Close, CloseBody(1000, "done")));

        var (first, masked, payload) = ProtocolHarness.Unmask(peer.TakeOutput());
        Assert.That((first, masked, Convert.ToHexString(payload)), Is.EqualTo(((byte)0x88, true, "03E8")));
    }

    [Test]
    public void PeerClosesWithAnEmptyBody_EchoIsEmptyAndTheStatusIs1005()
    {
        var peer = ProtocolHarness.Server();

        var events = peer.Feed(ClientFrame.Masked(Opcode.Close, []));

        Assert.That(events, Is.EqualTo(new[] { "Close 1005" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()), Is.EqualTo("8800"));
        Assert.That(peer.Protocol.SentClose, Is.Null, "an empty body has no status");
    }

    [Test]
    public void WeCloseFirst_ThePeersEchoEndsTheHandshakeWithoutASecondClose()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Protocol.QueueClose(new CloseStatus(CloseCode.NormalClosure, "done"), failFast: false, error: null), Is.True);
        peer.WriteCloseIfDue();
        Assert.That(Convert.ToHexString(peer.TakeOutput()), Is.EqualTo("880603E8" + "646F6E65"));

        var events = peer.Feed(ClientFrame.Masked(Opcode.Close, CloseBody(1000)));

        Assert.That(events, Is.EqualTo(new[] { "Close 1000" }));
        Assert.That(peer.TakeOutput(), Is.Empty, "our close was the answer");
        Assert.That(peer.Protocol.IsClean, Is.True);
    }

    [Test]
    public void CloseIsDecidedOnce_ASecondRequestChangesNothingButKeepsTheFailure()
    {
        var peer = ProtocolHarness.Server();
        var error = new ProtocolException(CloseCode.ProtocolError, "late");

        Assert.That(peer.Protocol.QueueClose(new CloseStatus(CloseCode.NormalClosure), failFast: false, error: null), Is.True);
        Assert.That(peer.Protocol.QueueClose(new CloseStatus(CloseCode.GoingAway), failFast: true, error), Is.False);
        peer.WriteCloseIfDue();

        Assert.That(Convert.ToHexString(peer.TakeOutput()), Is.EqualTo("880203E8"));
        Assert.That((peer.Protocol.FailFast, peer.Protocol.Failure), Is.EqualTo((false, (Exception)error)));
    }

    [Test]
    public void OurClose_FollowsQueuedData_UnlessFailingFast()
    {
        var normal = ProtocolHarness.Server().Protocol;
        var failing = ProtocolHarness.Server().Protocol;

        normal.QueueClose(new CloseStatus(CloseCode.NormalClosure), failFast: false, error: null);
        failing.QueueClose(new CloseStatus(CloseCode.InternalError), failFast: true, new InvalidOperationException("boom"));

        Assert.That((normal.ShouldWriteClose(dataDrained: false), normal.ShouldWriteClose(dataDrained: true)), Is.EqualTo((false, true)));
        Assert.That((failing.ShouldWriteClose(dataDrained: false), failing.FailFast), Is.EqualTo((true, true)));
    }

    [Test]
    public void DataAfterThePeersClose_IsIgnored()
    {
        var peer = ProtocolHarness.Server();

        var events = peer.Feed([.. ClientFrame.Masked(Opcode.Close, CloseBody(1000)), .. ClientFrame.Masked(Opcode.Text, "late"u8.ToArray())]);
        var later = peer.Feed(ClientFrame.Masked(Opcode.Binary, [1, 2, 3]));

        Assert.That(events, Is.EqualTo(new[] { "Close 1000" }));
        Assert.That(later, Is.Empty);
    }

    [Test]
    public void CloseAfterClose_IsIgnored_TheFirstStatusStands()
    {
        var peer = ProtocolHarness.Client();

        peer.Feed(ClientFrame.Unmasked(Opcode.Close, CloseBody(1001, "first")));
        peer.TakeOutput();
        var events = peer.Feed(ClientFrame.Unmasked(Opcode.Close, CloseBody(4000, "second")));

        Assert.That(events, Is.Empty);
        Assert.That(peer.TakeOutput(), Is.Empty);
        Assert.That(peer.Protocol.ReceivedClose, Is.EqualTo(new CloseStatus(CloseCode.GoingAway, "first")));
    }

    [TestCase(999)]
    [TestCase(1004)]
    [TestCase(1005)]
    [TestCase(1006)]
    [TestCase(1015)]
    [TestCase(2999)]
    [TestCase(5000)]
    public void CloseWithACodeNotAllowedOnTheWire_Fails1002(int code)
    {
        var peer = ProtocolHarness.Server();

        var events = peer.Feed(ClientFrame.Masked(Opcode.Close, CloseBody(code)));

        Assert.That(events, Is.EqualTo(new[] { "Failed 1002" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()[2..4]), Is.EqualTo("03EA"));
        Assert.That(peer.Protocol.ReceivedClose, Is.Null, "an invalid close is not a close");
    }

    [Test]
    public void CloseWithAOneByteBody_Fails1002()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Feed(ClientFrame.Masked(Opcode.Close, [0x03])), Is.EqualTo(new[] { "Failed 1002" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()[2..4]), Is.EqualTo("03EA"));
    }

    [Test]
    public void CloseWithAReasonThatIsNotUtf8_Fails1007()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Feed(ClientFrame.Masked(Opcode.Close, [0x03, 0xE8, 0xC0, 0xAF])), Is.EqualTo(new[] { "Failed 1007" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()[2..4]), Is.EqualTo("03EF"));
    }

    [Test]
    public void ProtocolError_OurCloseCarriesTheCodeAndTheMessage_AndTheOutcomeSaysWhy()
    {
        var peer = ProtocolHarness.Server();

        peer.Feed(Hex("81 05 48 65 6c 6c 6f"));   // unmasked, from a client

        var close = peer.TakeOutput();
        var reason = Encoding.UTF8.GetString(close[4..]);
        Assert.That((close[0], close[1], Convert.ToHexString(close[2..4])), Is.EqualTo(((byte)0x88, (byte)(close.Length - 2), "03EA")));
        Assert.That(reason, Is.EqualTo(peer.Protocol.Failure!.Message));
        Assert.That(peer.Protocol.ReadFailed, Is.True);
        var outcome = peer.Protocol.Outcome(peer.Protocol.IsClean);
        Assert.That(outcome?.Message, Does.StartWith("The connection failed: "));
        Assert.That(outcome?.Sent?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void ProtocolErrorWithALongMessage_TheReasonIsCutTo123Bytes()
    {
        var peer = ProtocolHarness.Server();

        peer.Protocol.QueueFailure(new ProtocolException(CloseCode.PolicyViolation, new string('é', 100)));
        peer.WriteCloseIfDue();

        var close = peer.TakeOutput();
        Assert.That((close[1], close.Length), Is.EqualTo(((byte)124, 126)), "2 bytes of code and 61 two-byte characters");
        Assert.That(Convert.ToHexString(close[2..4]), Is.EqualTo("03F0"));
    }

    [Test]
    public void AfterFailing_AServerEndsItsOutput_AClientDoesNot()
    {
        var server = ProtocolHarness.Server().Protocol;
        var client = ProtocolHarness.Client().Protocol;
        var normal = ProtocolHarness.Server().Protocol;

        server.QueueFailure(new ProtocolException(CloseCode.ProtocolError, "x"));
        client.QueueFailure(new ProtocolException(CloseCode.ProtocolError, "x"));
        normal.QueueClose(new CloseStatus(CloseCode.NormalClosure), failFast: false, error: null);

        Assert.That((server.ShutdownOutputAfterClose, client.ShutdownOutputAfterClose, normal.ShutdownOutputAfterClose), Is.EqualTo((true, false, false)));
    }
}
