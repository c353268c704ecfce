using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol.Connection;

/// <summary>
/// The framing rules of <see cref="RxSockets.Protocol.Connection.ConnectionProtocol"/>, bytes in and bytes out: the
/// automatic pong (RFC 6455 §5.5.2), masking per role (§5.1, §5.3), fragmentation (§5.4), the limits (1009) and UTF-8
/// (1007).
/// </summary>
public class ConnectionProtocolFramingTests
{
    [Test]
    public void Server_Ping_IsAnsweredWithAPongCarryingItsPayload()
    {
        var peer = ProtocolHarness.Server();

        var events = peer.Feed(ClientFrame.Masked(Opcode.Ping, "hi"u8.ToArray()));

        Assert.That(events, Is.EqualTo(new[] { "Ping 6869" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()), Is.EqualTo("8A026869"));
    }

    [Test]
    public void Client_Ping_IsAnsweredWithAMaskedPong()
    {
        var peer = ProtocolHarness.Client();

        peer.Feed(ClientFrame.Unmasked(Opcode.Ping, "hi"u8.ToArray()));

        var (first, masked, payload) = ProtocolHarness.Unmask(peer.TakeOutput());
        Assert.That((first, masked, Convert.ToHexString(payload)), Is.EqualTo(((byte)0x8A, true, "6869")));
    }

    [Test]
    public void Ping_AfterOurCloseOrWithoutAutoPong_IsNotAnswered()
    {
        var closing = ProtocolHarness.Server();
        var manual = ProtocolHarness.Server(autoPong: false);
        closing.Protocol.QueueClose(new CloseStatus(CloseCode.NormalClosure), failFast: false, error: null);
        closing.WriteCloseIfDue();
        closing.TakeOutput();

        Assert.That(closing.Feed(ClientFrame.Masked(Opcode.Ping, [1])), Is.EqualTo(new[] { "Ping 01" }));
        Assert.That(manual.Feed(ClientFrame.Masked(Opcode.Ping, [1])), Is.EqualTo(new[] { "Ping 01" }));
        Assert.That((closing.TakeOutput(), manual.TakeOutput()), Is.EqualTo((Array.Empty<byte>(), Array.Empty<byte>())));
    }

    [Test]
    public void Pong_IsReportedAndNotAnswered()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Feed(ClientFrame.Masked(Opcode.Pong, [7])), Is.EqualTo(new[] { "Pong 07" }));
        Assert.That(peer.TakeOutput(), Is.Empty);
    }

    [Test]
    public void Server_SendsUnmaskedFrames()
    {
        var peer = ProtocolHarness.Server();

        peer.Send(Message.Text("Hello"));

        Assert.That(peer.TakeOutput(), Is.EqualTo(Hex("81 05 48 65 6c 6c 6f")));
    }

    [Test]
    public void Client_SendsMaskedFrames_WithADifferentKeyEachTime()
    {
        var peer = ProtocolHarness.Client();

        peer.Send(Message.Text("Hello"));
        var first = peer.TakeOutput();
        peer.Send(Message.Text("Hello"));
        var second = peer.TakeOutput();

        var (opcode, masked, payload) = ProtocolHarness.Unmask(first);
        Assert.That((opcode, masked, Encoding.UTF8.GetString(payload)), Is.EqualTo(((byte)0x81, true, "Hello")));
        Assert.That(first[2..6], Is.Not.EqualTo(second[2..6]), "a fresh mask key per frame");
    }

    [Test]
    public void Server_UnmaskedFrameFromTheClient_Fails1002()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Feed(ClientFrame.Unmasked(Opcode.Binary, [1])), Is.EqualTo(new[] { "Failed 1002" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()[..4]), Does.StartWith("88").And.EndWith("03EA"));
    }

    [Test]
    public void Client_MaskedFrameFromTheServer_Fails1002()
    {
        var peer = ProtocolHarness.Client();

        Assert.That(peer.Feed(ClientFrame.Masked(Opcode.Binary, [1])), Is.EqualTo(new[] { "Failed 1002" }));
        var (first, masked, payload) = ProtocolHarness.Unmask(peer.TakeOutput());
        Assert.That((first, masked, Convert.ToHexString(payload[..2])), Is.EqualTo(((byte)0x88, true, "03EA")));
    }

    [Test]
    public void FragmentSize_SplitsAnOutgoingMessageIntoContinuationFrames()
    {
        var peer = ProtocolHarness.Server(fragmentSize: 2);

        peer.Send(Message.Text("Hello"));

        Assert.That(peer.TakeOutput(), Is.EqualTo(Hex("01 02 48 65  00 02 6c 6c  80 01 6f")));
    }

    [Test]
    public void FragmentedMessage_WithAPingBetweenItsFrames_IsAssembledAndThePingAnswered()
    {
        var peer = ProtocolHarness.Server();

        var events = peer.Feed([
            .. ClientFrame.Masked(Opcode.Text, "Hel"u8.ToArray(), fin: false),
            .. ClientFrame.Masked(Opcode.Ping, [9]),
            .. ClientFrame.Masked(Opcode.Continuation, "lo"u8.ToArray()),
        ]);

        Assert.That(events, Is.EqualTo(new[] { "Ping 09", "Message Text Hello" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()), Is.EqualTo("8A0109"));
    }

    [Test]
    public void ContinuationWithNoMessageToContinue_Fails1002()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Feed(ClientFrame.Masked(Opcode.Continuation, [1])), Is.EqualTo(new[] { "Failed 1002" }));
    }

    [Test]
    public void NewDataFrameInsideAFragmentedMessage_Fails1002()
    {
        var peer = ProtocolHarness.Server();

        var events = peer.Feed([.. ClientFrame.Masked(Opcode.Text, [0x41], fin: false), .. ClientFrame.Masked(Opcode.Text, [0x42])]);

        Assert.That(events, Is.EqualTo(new[] { "Failed 1002" }));
    }

    [Test]
    public void FragmentedControlFrame_Fails1002()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Feed(ClientFrame.Masked(Opcode.Ping, [1], fin: false)), Is.EqualTo(new[] { "Failed 1002" }));
    }

    [Test]
    public void ControlFrameOver125Bytes_Fails1002()
    {
        var peer = ProtocolHarness.Server();

        Assert.That(peer.Feed(ClientFrame.Masked(Opcode.Ping, new byte[126])), Is.EqualTo(new[] { "Failed 1002" }));
    }

    [Test]
    public void ReservedBitsOrOpcodes_Fail1002()
    {
        var rsv = ProtocolHarness.Server();
        var opcode = ProtocolHarness.Server();

        Assert.That(rsv.Feed(ClientFrame.Masked(Opcode.Binary, [1], rsv: 4)), Is.EqualTo(new[] { "Failed 1002" }));
        Assert.That(opcode.Feed(ClientFrame.Build(0x3, [1], fin: true, rsv: 0, ClientFrame.RfcMaskKey)), Is.EqualTo(new[] { "Failed 1002" }));
    }

    [Test]
    public void MessageOverTheSizeLimit_Fails1009()
    {
        var peer = ProtocolHarness.Server(maxMessageSize: 4);

        Assert.That(peer.Feed(ClientFrame.Masked(Opcode.Binary, new byte[5])), Is.EqualTo(new[] { "Failed 1009" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()[2..4]), Is.EqualTo("03F1"));
    }

    [Test]
    public void MessageInMoreFragmentsThanAllowed_Fails1009()
    {
        var peer = ProtocolHarness.Server(maxFragments: 2);

        var events = peer.Feed([
            .. ClientFrame.Masked(Opcode.Binary, [1], fin: false),
            .. ClientFrame.Masked(Opcode.Continuation, [2], fin: false),
            .. ClientFrame.Masked(Opcode.Continuation, [3]),
        ]);

        Assert.That(events, Is.EqualTo(new[] { "Failed 1009" }));
    }

    [Test]
    public void TextThatIsNotUtf8_Fails1007_AfterTheMessagesBeforeIt()
    {
        var peer = ProtocolHarness.Server();

        var events = peer.Feed([.. ClientFrame.Masked(Opcode.Text, "ok"u8.ToArray()), .. ClientFrame.Masked(Opcode.Text, [0xC0, 0xAF])]);

        Assert.That(events, Is.EqualTo(new[] { "Message Text ok", "Failed 1007" }));
        Assert.That(Convert.ToHexString(peer.TakeOutput()[2..4]), Is.EqualTo("03EF"));
    }

    [Test]
    public void BytesSplitAnywhere_GiveTheSameEvents()
    {
        var frames = Hex("81 05 48 65 6c 6c 6f");
        var peer = ProtocolHarness.Client();
        var events = new List<string>();

        foreach (var b in frames)
        {
            events.AddRange(peer.Feed([b]));
        }

        Assert.That(events, Is.EqualTo(new[] { "Message Text Hello" }));
    }
}
