using System.Buffers;
using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol;

public class WebSocketProtocolTests
{
    private const long Limit = 1 << 20;
    private const string Hello = "48656C6C6F";

    private static readonly string[] s_invalidUtf8 =
    [
        "c0af",        // overlong
        "e080af",      // overlong
        "f08080af",    // overlong
        "eda080",      // surrogate U+D800
        "edbfbf",      // surrogate U+DFFF
        "f4908080",    // above U+10FFFF
        "80",          // lone continuation
        "41bf42",      // lone continuation after ASCII
        "41e282",      // truncated at the end of the message
        "f09f98",      // truncated at the end of the message
        "fe",
        "ff",
    ];

    [Test]
    public void Read_RfcUnmaskedHelloOnClient_ReportsTextMessage()
    {
        var protocol = Client();

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("81 05 48 65 6c 6c 6f"));

        Assert.That(events, Is.EqualTo(new[] { $"Message Text {Hello}" }));
    }

    [Test]
    public void Read_RfcMaskedHelloOnServer_ReportsUnmaskedTextMessage()
    {
        var protocol = Server();

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));

        Assert.That(events, Is.EqualTo(new[] { $"Message Text {Hello}" }));
    }

    [Test]
    public void Read_RfcFragmentedHello_ReportsOneMessage()
    {
        var protocol = Client();

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("01 03 48 65 6c  80 02 6c 6f"));

        Assert.That(events, Is.EqualTo(new[] { $"Message Text {Hello}" }));
    }

    [Test]
    public void Read_RfcUnmaskedPing_ReportsPingWithBody()
    {
        var protocol = Client();

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("89 05 48 65 6c 6c 6f"));

        Assert.That(events, Is.EqualTo(new[] { $"Ping {Hello}" }));
    }

    [Test]
    public void Read_RfcMaskedPongOnServer_ReportsPongWithUnmaskedBody()
    {
        var protocol = Server();

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));

        Assert.That(events, Is.EqualTo(new[] { $"Pong {Hello}" }));
    }

    [TestCase(256, "82 7E 0100")]
    [TestCase(65536, "82 7F 0000000000010000")]
    public void Read_RfcLongBinary_ReportsWholeMessage(int length, string headerHex)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 5)).ToArray();
        var protocol = Client();
        var messages = new List<Message>();

        ProtocolFeed.AllAtOnce(protocol, [.. Hex(headerHex), .. payload], messages);

        Assert.That(messages, Is.EqualTo(new[] { Message.Binary(payload) }));
    }

    [Test]
    public void Read_CloseFrame_ReportsCloseWithBody()
    {
        var protocol = Server();

        var events = ProtocolFeed.AllAtOnce(protocol, ClientFrame.Masked(Opcode.Close, Hex("03e8 627965")));

        Assert.That(events, Is.EqualTo(new[] { "Close 03E8627965" }));
    }

    [Test]
    public void Read_EmptyBuffer_NeedsMoreData()
    {
        var protocol = Client();
        var buffer = ReadOnlySequence<byte>.Empty;

        var kind = protocol.Read(ref buffer, out _, out _);

        Assert.That(kind, Is.EqualTo(ProtocolEvent.NeedMoreData));
    }

    [Test]
    public void Read_TwoMessagesInOneBuffer_ReportsBothInOrderLeavingNothing()
    {
        var protocol = Client();
        var buffer = new ReadOnlySequence<byte>([.. Hex("81 01 61"), .. Hex("82 02 0102")]);

        var first = protocol.Read(ref buffer, out var firstMessage, out _);
        var second = protocol.Read(ref buffer, out var secondMessage, out _);

        Assert.That(first, Is.EqualTo(ProtocolEvent.Message));
        Assert.That(firstMessage, Is.EqualTo(Message.Text("a")));
        Assert.That(second, Is.EqualTo(ProtocolEvent.Message));
        Assert.That(secondMessage, Is.EqualTo(Message.Binary(Hex("0102"))));
        Assert.That(buffer.IsEmpty, Is.True);
    }

    [Test]
    public void Read_PartialControlFrame_ConsumesNothingUntilWhole()
    {
        var protocol = Client();
        var buffer = new ReadOnlySequence<byte>(Hex("89 05 48 65 6c"));

        var kind = protocol.Read(ref buffer, out _, out _);

        Assert.That(kind, Is.EqualTo(ProtocolEvent.NeedMoreData));
        Assert.That(buffer.Length, Is.EqualTo(5));
    }

    [TestCase(MessageType.Text)]
    [TestCase(MessageType.Binary)]
    public void Read_EmptyMessage_ReportsEmptyMessageOfItsType(MessageType type)
    {
        var protocol = Server();
        var messages = new List<Message>();

        ProtocolFeed.AllAtOnce(protocol, ClientFrame.Masked((Opcode)type, []), messages);

        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0].Type, Is.EqualTo(type));
        Assert.That(messages[0].Data.IsEmpty, Is.True);
    }

    [Test]
    public void Read_EmptyFragmentsOnly_ReportsEmptyTextMessage()
    {
        var protocol = Client();

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("01 00  00 00  80 00"));

        Assert.That(events, Is.EqualTo(new[] { "Message Text " }));
    }

    [Test]
    public void Read_ControlFramesInsideFragmentedMessage_DeliveredInOrderBeforeTheMessage()
    {
        var protocol = Server();
        var wire = Concat(
            ClientFrame.Masked(Opcode.Text, "Hel"u8.ToArray(), fin: false),
            ClientFrame.Masked(Opcode.Ping, "p"u8.ToArray()),
            ClientFrame.Masked(Opcode.Continuation, "l"u8.ToArray(), fin: false),
            ClientFrame.Masked(Opcode.Pong, "q"u8.ToArray()),
            ClientFrame.Masked(Opcode.Ping, []),
            ClientFrame.Masked(Opcode.Continuation, "o"u8.ToArray()),
            ClientFrame.Masked(Opcode.Close, Hex("03e8")));

        var events = ProtocolFeed.AllAtOnce(protocol, wire);

        Assert.That(events, Is.EqualTo(new[] { "Ping 70", "Pong 71", "Ping ", $"Message Text {Hello}", "Close 03E8" }));
    }

    [Test]
    public void Read_ContinuationWithoutStart_ThrowsProtocolError()
    {
        var protocol = Client();

        var error = ReadExpectingError(protocol, Hex("80 02 6c 6f"));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(0x1)]
    [TestCase(0x2)]
    public void Read_NewDataFrameInsideFragmentedMessage_ThrowsProtocolError(int opcode)
    {
        var protocol = Client();
        var wire = Concat(Hex("01 03 48 65 6c"), [(byte)(0x80 | opcode), 0x00]);

        var error = ReadExpectingError(protocol, wire);

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Read_MaskedFrameOnClient_ThrowsProtocolError()
    {
        var protocol = Client();

        var error = ReadExpectingError(protocol, Hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Read_UnmaskedFrameOnServer_ThrowsProtocolError()
    {
        var protocol = Server();

        var error = ReadExpectingError(protocol, Hex("81 05 48 65 6c 6c 6f"));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    [TestCase(7)]
    [TestCase(11)]
    [TestCase(12)]
    [TestCase(13)]
    [TestCase(14)]
    [TestCase(15)]
    public void Read_ReservedOpcode_ThrowsProtocolError(int opcode)
    {
        var protocol = Server();

        var error = ReadExpectingError(protocol, ClientFrame.Build((byte)opcode, [1], fin: true, rsv: 0, ClientFrame.RfcMaskKey));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(4)]
    [TestCase(2)]
    [TestCase(1)]
    public void Read_ReservedBitWithoutExtension_ThrowsProtocolError(int rsv)
    {
        var protocol = Server();

        var error = ReadExpectingError(protocol, ClientFrame.Masked(Opcode.Binary, [1], rsv: (byte)rsv));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Read_Rsv1AllowedByExtension_ReportsMessage()
    {
        var protocol = Server();
        protocol.AllowedRsv = 0x4;

        var events = ProtocolFeed.AllAtOnce(protocol, ClientFrame.Masked(Opcode.Binary, [1, 2], rsv: 0x4));

        Assert.That(events, Is.EqualTo(new[] { "Message Binary 0102" }));
    }

    [Test]
    public void Read_ControlFrameWith125Bytes_ReportsPing()
    {
        var protocol = Server();
        var body = Enumerable.Range(0, 125).Select(i => (byte)i).ToArray();

        var events = ProtocolFeed.AllAtOnce(protocol, ClientFrame.Masked(Opcode.Ping, body));

        Assert.That(events, Is.EqualTo(new[] { $"Ping {Convert.ToHexString(body)}" }));
    }

    [TestCase(0x8)]
    [TestCase(0x9)]
    [TestCase(0xA)]
    public void Read_ControlFrameWith126Bytes_ThrowsProtocolError(int opcode)
    {
        var protocol = Server();

        var error = ReadExpectingError(protocol, ClientFrame.Masked((Opcode)opcode, new byte[126]));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(0x8)]
    [TestCase(0x9)]
    [TestCase(0xA)]
    public void Read_FragmentedControlFrame_ThrowsProtocolError(int opcode)
    {
        var protocol = Server();

        var error = ReadExpectingError(protocol, ClientFrame.Masked((Opcode)opcode, [1], fin: false));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Read_SingleFrameOverLimit_ThrowsMessageTooBigAtTheHeader()
    {
        var protocol = new WebSocketProtocol(ConnectionRole.Client, maxMessageSize: 1000, maxFragments: 0);

        var error = ReadExpectingError(protocol, Hex("82 7E 03E9"));   // 1001 bytes announced, none sent

        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void Read_FragmentsOverLimit_ThrowsMessageTooBigAtTheHeaderOfTheFragmentThatExceeds()
    {
        var protocol = new WebSocketProtocol(ConnectionRole.Client, maxMessageSize: 1000, maxFragments: 0);
        var wire = Concat(ClientFrame.Unmasked(Opcode.Binary, new byte[600], fin: false), Hex("80 7E 0191"));   // + 401

        var error = ReadExpectingError(protocol, wire);

        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void Read_FragmentsExactlyAtLimit_ReportsMessage()
    {
        var protocol = new WebSocketProtocol(ConnectionRole.Client, maxMessageSize: 1000, maxFragments: 0);
        var wire = Concat(ClientFrame.Unmasked(Opcode.Binary, new byte[600], fin: false), ClientFrame.Unmasked(Opcode.Continuation, new byte[400]));
        var messages = new List<Message>();

        ProtocolFeed.AllAtOnce(protocol, wire, messages);

        Assert.That(messages.Single().Data.Length, Is.EqualTo(1000));
    }

    [Test]
    public void Read_MoreFragmentsThanAllowed_ThrowsMessageTooBig()
    {
        var protocol = new WebSocketProtocol(ConnectionRole.Client, Limit, maxFragments: 2);
        var wire = Concat(Hex("01 01 61"), Hex("00 01 62"), Hex("80 01 63"));

        var error = ReadExpectingError(protocol, wire);

        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void Read_ValidTextSplitAcrossFragmentsAtEveryPosition_ReportsTheText()
    {
        const string text = "aé€😀z\U0010FFFF";
        var bytes = Encoding.UTF8.GetBytes(text);

        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var protocol = Server();
                var wire = Concat(
                    ClientFrame.Masked(Opcode.Text, bytes[..first], fin: false),
                    ClientFrame.Masked(Opcode.Continuation, bytes[first..second], fin: false),
                    ClientFrame.Masked(Opcode.Continuation, bytes[second..]));
                var messages = new List<Message>();

                ProtocolFeed.AllAtOnce(protocol, wire, messages);

                Assert.That(messages.Single().GetText(), Is.EqualTo(text), $"split at {first} and {second}");
            }
        }
    }

    [Test]
    public void Read_ValidTextFrameSplitAcrossSegmentsAtEveryPosition_ReportsTheText()
    {
        const string text = "Größe: 😀 €5";
        var wire = ClientFrame.Masked(Opcode.Text, Encoding.UTF8.GetBytes(text));

        for (var cut = 0; cut <= wire.Length; cut++)
        {
            var protocol = Server();
            var buffer = Segments.Split(wire, cut);
            var messages = new List<Message>();

            ProtocolFeed.ReadAll(protocol, ref buffer, messages);

            Assert.That(messages.Single().GetText(), Is.EqualTo(text), $"cut at {cut}");
            Assert.That(buffer.IsEmpty, Is.True);
        }

        var everyByte = Segments.EveryByte(wire);
        var all = new List<Message>();
        ProtocolFeed.ReadAll(Server(), ref everyByte, all);
        Assert.That(all.Single().GetText(), Is.EqualTo(text));
    }

    [Test]
    public void Read_ValidTextOfferedOneByteAtATime_ReportsTheText()
    {
        const string text = "Größe: 😀 €5";
        var wire = Concat(
            ClientFrame.Masked(Opcode.Text, Encoding.UTF8.GetBytes(text)[..5], fin: false),
            ClientFrame.Masked(Opcode.Continuation, Encoding.UTF8.GetBytes(text)[5..]));
        var messages = new List<Message>();

        ProtocolFeed.InChunks(Server(), wire, chunkSize: 1, messages);

        Assert.That(messages.Single().GetText(), Is.EqualTo(text));
    }

    [TestCaseSource(nameof(s_invalidUtf8))]
    public void Read_InvalidUtf8Text_ThrowsInvalidPayloadData(string hex)
    {
        var protocol = Server();

        var error = ReadExpectingError(protocol, ClientFrame.Masked(Opcode.Text, Hex(hex)));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [TestCaseSource(nameof(s_invalidUtf8))]
    public void Read_InvalidUtf8SpreadOverOneByteFragments_ThrowsInvalidPayloadData(string hex)
    {
        var bytes = Hex(hex);
        var frames = bytes.Select((b, i) => ClientFrame.Masked(i == 0 ? Opcode.Text : Opcode.Continuation, [b], fin: i == bytes.Length - 1));
        var protocol = Server();

        var error = ReadExpectingError(protocol, Concat([.. frames]));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void Read_InvalidFirstFragmentBeforeFin_ThrowsOnThatFragment()
    {
        var protocol = Server();
        var firstFragment = ClientFrame.Masked(Opcode.Text, Hex("48 65 ed a0 80"), fin: false);

        var error = ReadExpectingError(protocol, firstFragment);

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void Read_InvalidByteInPartOfAFrame_ThrowsBeforeTheRestArrives()
    {
        var protocol = Server();
        var payload = new byte[1000];
        payload.AsSpan().Fill((byte)'a');
        payload[10] = 0xF4;
        payload[11] = 0x90;   // above U+10FFFF
        var frame = ClientFrame.Masked(Opcode.Text, payload);

        var error = ReadExpectingError(protocol, frame[..(FrameWriter.HeaderLength(1000, true) + 12)]);

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void Read_TextTruncatedInLastFragment_ThrowsInvalidPayloadData()
    {
        var protocol = Client();
        var wire = Concat(Hex("01 02 41 e2"), Hex("80 01 82"));   // each fragment extends validly, the message ends mid-character

        var error = ReadExpectingError(protocol, wire);

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void Read_ScriptedConversationOneByteAtATime_SameEventsAsAllAtOnce()
    {
        var wire = Concat(
            ClientFrame.Masked(Opcode.Text, "Hel"u8.ToArray(), fin: false),
            ClientFrame.Masked(Opcode.Ping, "ping"u8.ToArray()),
            ClientFrame.Masked(Opcode.Continuation, "lo"u8.ToArray()),
            ClientFrame.Masked(Opcode.Binary, new byte[300]),
            ClientFrame.Masked(Opcode.Text, []),
            ClientFrame.Masked(Opcode.Pong, []),
            ClientFrame.Masked(Opcode.Binary, Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray()),
            ClientFrame.Masked(Opcode.Close, Hex("03e9")));
        var expected = ProtocolFeed.AllAtOnce(Server(), wire);

        var oneByte = ProtocolFeed.InChunks(Server(), wire, chunkSize: 1);

        Assert.That(expected.Select(e => e.Split(' ')[0]), Is.EqualTo(new[] { "Ping", "Message", "Message", "Message", "Pong", "Message", "Close" }));
        Assert.That(oneByte, Is.EqualTo(expected));
    }

    [Test]
    public void Read_RandomConversationsInRandomChunks_SameEventsAsGenerated()
    {
        var random = new Random(6455);
        for (var round = 0; round < 200; round++)
        {
            var masked = round % 2 == 0;
            var (wire, expected) = RandomConversation(random, masked);
            var chunkSize = random.Next(4) switch { 0 => 1, 1 => 2, 2 => 3, _ => random.Next(4, 200) };

            var allAtOnce = ProtocolFeed.AllAtOnce(masked ? Server() : Client(), wire);
            var chunked = ProtocolFeed.InChunks(masked ? Server() : Client(), wire, chunkSize);

            Assert.That(allAtOnce, Is.EqualTo(expected), $"round {round}");
            Assert.That(chunked, Is.EqualTo(expected), $"round {round}, chunks of {chunkSize}");
        }
    }

    [Test]
    public void Read_16MiBMessageWithLargeLimit_AssemblesItExactly()
    {
        var payload = new byte[16 << 20];
        new Random(16).NextBytes(payload);
        var protocol = new WebSocketProtocol(ConnectionRole.Server, maxMessageSize: 32 << 20, maxFragments: 0);
        var messages = new List<Message>();

        ProtocolFeed.InChunks(protocol, ClientFrame.Masked(Opcode.Binary, payload), chunkSize: 65536, messages);

        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0].Data.Span.SequenceEqual(payload), Is.True);
    }

    [Test]
    public void Read_16MiBMessageInFragments_AssemblesItExactly()
    {
        var payload = new byte[16 << 20];
        new Random(17).NextBytes(payload);
        var fragment = 1_000_003;
        var frames = new List<byte[]>();
        for (var start = 0; start < payload.Length; start += fragment)
        {
            var end = Math.Min(payload.Length, start + fragment);
            frames.Add(ClientFrame.Unmasked(start == 0 ? Opcode.Binary : Opcode.Continuation, payload[start..end], fin: end == payload.Length));
        }

        var protocol = new WebSocketProtocol(ConnectionRole.Client, maxMessageSize: 16 << 20, maxFragments: 0);
        var messages = new List<Message>();

        ProtocolFeed.InChunks(protocol, Concat([.. frames]), chunkSize: 65536, messages);

        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0].Data.Span.SequenceEqual(payload), Is.True);
    }

    [Test]
    public void Reset_InsidePartialMessage_ReleasesIt()
    {
        var protocol = Client();
        ProtocolFeed.AllAtOnce(protocol, Hex("01 03 48 65 6c"));

        protocol.Reset();

        Assert.That(ProtocolFeed.AllAtOnce(protocol, Hex("81 02 6f 6b")), Is.EqualTo(new[] { "Message Text 6F6B" }));
    }

    private static WebSocketProtocol Client() => new(ConnectionRole.Client, Limit, maxFragments: 0);

    private static WebSocketProtocol Server() => new(ConnectionRole.Server, Limit, maxFragments: 0);

    private static ProtocolException? ReadExpectingError(WebSocketProtocol protocol, byte[] wire) =>
        Assert.Throws<ProtocolException>(() => ProtocolFeed.AllAtOnce(protocol, wire));

    private static (byte[] Wire, List<string> Expected) RandomConversation(Random random, bool masked)
    {
        var frames = new List<byte[]>();
        var expected = new List<string>();
        byte[] Frame(Opcode opcode, byte[] payload, bool fin = true)
        {
            byte[] key = [.. Enumerable.Range(0, 4).Select(_ => (byte)random.Next(256))];
            return masked ? ClientFrame.Masked(opcode, payload, fin, maskKey: key) : ClientFrame.Unmasked(opcode, payload, fin);
        }

        for (var m = random.Next(1, 5); m > 0; m--)
        {
            var text = random.Next(2) == 0;
            var payload = text ? RandomText(random) : RandomBytes(random);
            var cuts = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(payload.Length + 1)).Order().ToArray();
            var start = 0;
            for (var f = 0; f <= cuts.Length; f++)
            {
                var end = f < cuts.Length ? cuts[f] : payload.Length;
                var opcode = f == 0 ? (text ? Opcode.Text : Opcode.Binary) : Opcode.Continuation;
                frames.Add(Frame(opcode, payload[start..end], fin: f == cuts.Length));
                start = end;
                if (f == cuts.Length)
                {
                    expected.Add($"Message {(text ? "Text" : "Binary")} {Convert.ToHexString(payload)}");
                }

                if (random.Next(3) == 0)
                {
                    var control = new byte[random.Next(126)];
                    random.NextBytes(control);
                    var kind = random.Next(2) == 0 ? Opcode.Ping : Opcode.Pong;
                    frames.Add(Frame(kind, control));
                    expected.Add($"{kind} {Convert.ToHexString(control)}");
                }
            }
        }

        return (Concat([.. frames]), expected);
    }

    private static byte[] RandomText(Random random)
    {
        var builder = new StringBuilder();
        var length = random.Next(0, 40);
        for (var i = 0; i < length; i++)
        {
            var rune = random.Next(3) switch
            {
                0 => random.Next(0x20, 0x80),
                1 => random.Next(0x80, 0xD800),
                _ => random.Next(0x10000, 0x110000),
            };
            builder.Append(char.ConvertFromUtf32(rune));
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(10) == 0 ? random.Next(126, 70_000) : random.Next(0, 126)];
        random.NextBytes(bytes);
        return bytes;
    }
}
