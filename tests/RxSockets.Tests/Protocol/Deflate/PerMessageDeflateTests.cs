using System.Buffers;
using System.IO.Compression;
using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol.Deflate;

public class PerMessageDeflateTests
{
    private const long Limit = 1 << 20;

    private static readonly byte[] s_compressible = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 200)));

    [Test]
    public void Read_RfcCompressedHello_InflatesIt()
    {
        // RFC 7692 §7.2.3.1: "Hello" compressed in one frame, RSV1 set.
        var protocol = ClientProtocol(noContext: false);

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("c1 07 f2 48 cd c9 c9 07 00"));

        Assert.That(events, Is.EqualTo(new[] { "Message Text 48656C6C6F" }));
    }

    [Test]
    public void Read_RfcFragmentedCompressedHello_InflatesIt()
    {
        // RFC 7692 §7.2.3.1: the same bytes in two frames; only the first carries RSV1.
        var protocol = ClientProtocol(noContext: false);

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("41 03 f2 48 cd  80 04 c9 c9 07 00"));

        Assert.That(events, Is.EqualTo(new[] { "Message Text 48656C6C6F" }));
    }

    [Test]
    public void Read_RfcSecondHelloReferringToTheFirst_InflatesWithContextTakeover()
    {
        // RFC 7692 §7.2.3.2: the second "Hello" is a back-reference into the first message's window.
        var protocol = ClientProtocol(noContext: false);

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("c1 07 f2 48 cd c9 c9 07 00  c1 05 f2 00 11 00 00"));

        Assert.That(events, Is.EqualTo(new[] { "Message Text 48656C6C6F", "Message Text 48656C6C6F" }));
    }

    [Test]
    public void Read_RsvOneOnContinuationFrame_ThrowsProtocolError()
    {
        var protocol = ClientProtocol(noContext: false);

        var error = Assert.Throws<ProtocolException>(() => ProtocolFeed.AllAtOnce(protocol, Hex("41 03 f2 48 cd  c0 04 c9 c9 07 00")));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Read_RsvOneWithoutExtension_ThrowsProtocolError()
    {
        var protocol = new WebSocketProtocol(ConnectionRole.Client, Limit, 0);

        var error = Assert.Throws<ProtocolException>(() => ProtocolFeed.AllAtOnce(protocol, Hex("c1 07 f2 48 cd c9 c9 07 00")));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Read_RsvOneOnPing_ThrowsProtocolError()
    {
        var protocol = ClientProtocol(noContext: false);

        var error = Assert.Throws<ProtocolException>(() => ProtocolFeed.AllAtOnce(protocol, Hex("c9 00")));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Read_UncompressedMessageOnDeflateConnection_DeliversItAsIs()
    {
        var protocol = ClientProtocol(noContext: false);

        var events = ProtocolFeed.AllAtOnce(protocol, Hex("81 05 48656c6c6f"));

        Assert.That(events, Is.EqualTo(new[] { "Message Text 48656C6C6F" }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void WriteThenRead_ManyMessages_RoundTripsInOrder(bool noContext)
    {
        var settings = Settings(threshold: 0, noContext);
        using var writer = new DeflateFrameWriter(settings);
        var protocol = ServerProtocol(noContext);
        var output = new ArrayBufferWriter<byte>();
        var sent = new[] { s_compressible, Encoding.UTF8.GetBytes("Hello"), s_compressible, Encoding.UTF8.GetBytes("héllo wörld ✓ 🚀"), s_compressible };

        foreach (var payload in sent)
        {
            Assert.That(writer.TryWriteMessage(output, Message.Text(Encoding.UTF8.GetString(payload)), fragmentSize: 0, new MaskKeySource()), Is.True);
        }

        var messages = new List<Message>();
        ProtocolFeed.InChunks(protocol, output.WrittenSpan.ToArray(), chunkSize: 100, messages);

        Assert.That(messages.Select(m => m.Data.ToArray()), Is.EqualTo(sent));
        Assert.That(messages.Select(m => m.Type), Is.All.EqualTo(MessageType.Text));
    }

    [Test]
    public void Write_ContextTakeover_RepeatedMessageShrinks()
    {
        using var writer = new DeflateFrameWriter(Settings(threshold: 0, noContext: false));
        var first = new ArrayBufferWriter<byte>();
        var second = new ArrayBufferWriter<byte>();

        writer.TryWriteMessage(first, Message.Binary(s_compressible), 0, masks: null);
        writer.TryWriteMessage(second, Message.Binary(s_compressible), 0, masks: null);

        Assert.That(second.WrittenCount, Is.LessThan(first.WrittenCount));
    }

    [Test]
    public void Write_NoContextTakeover_RepeatedMessageIsCompressedTheSame()
    {
        using var writer = new DeflateFrameWriter(Settings(threshold: 0, noContext: true));
        var first = new ArrayBufferWriter<byte>();
        var second = new ArrayBufferWriter<byte>();

        writer.TryWriteMessage(first, Message.Binary(s_compressible), 0, masks: null);
        writer.TryWriteMessage(second, Message.Binary(s_compressible), 0, masks: null);

        Assert.That(second.WrittenSpan.ToArray(), Is.EqualTo(first.WrittenSpan.ToArray()));
        Assert.That(first.WrittenCount, Is.LessThan(s_compressible.Length / 4));
    }

    [Test]
    public void TryWriteMessage_BelowThreshold_LeavesItUncompressed()
    {
        using var writer = new DeflateFrameWriter(Settings(threshold: 6, noContext: false));
        var output = new ArrayBufferWriter<byte>();

        var small = writer.TryWriteMessage(output, Message.Text("Hello"), 0, masks: null);
        var empty = writer.TryWriteMessage(output, Message.Binary(ReadOnlyMemory<byte>.Empty), 0, masks: null);
        var large = writer.TryWriteMessage(output, Message.Text("Hello!"), 0, masks: null);

        Assert.That(small, Is.False);
        Assert.That(empty, Is.False);
        Assert.That(large, Is.True);
        Assert.That(output.WrittenSpan[0], Is.EqualTo(0xc1), "FIN, RSV1, text");
    }

    [Test]
    public void TryWriteMessage_Fragmented_SetsRsvOneOnTheFirstFrameOnly()
    {
        using var writer = new DeflateFrameWriter(Settings(threshold: 0, noContext: false));
        var output = new ArrayBufferWriter<byte>();

        writer.TryWriteMessage(output, Message.Binary(s_compressible), fragmentSize: 20, masks: null);

        var firstBytes = FrameFirstBytes(output.WrittenSpan.ToArray());
        Assert.That(firstBytes.Count, Is.GreaterThan(2));
        Assert.That(firstBytes[0], Is.EqualTo(0x42), "RSV1, binary, not final");
        Assert.That(firstBytes.Skip(1).SkipLast(1), Is.All.EqualTo(0x00), "continuations without RSV1");
        Assert.That(firstBytes[^1], Is.EqualTo(0x80), "final continuation without RSV1");
        var messages = new List<Message>();
        ProtocolFeed.AllAtOnce(ClientProtocol(noContext: false), output.WrittenSpan.ToArray(), messages);
        Assert.That(messages.Single().Data.ToArray(), Is.EqualTo(s_compressible));
    }

    [Test]
    public void Read_CompressionBomb_ThrowsMessageTooBigWithoutInflatingIt()
    {
        // 64 MiB of zeros deflate to about 64 KiB; the limit is 1 MiB.
        var bomb = RawDeflate(new byte[64 * 1024 * 1024]);
        var inflater = new PerMessageInflater(noContextTakeover: false);
        var protocol = new WebSocketProtocol(ConnectionRole.Client, Limit, 0, inflater: inflater);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<ProtocolException>(() => ProtocolFeed.AllAtOnce(protocol, ClientFrame.Unmasked(Opcode.Binary, bomb, rsv: 4)));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        Assert.That(allocated, Is.LessThan(8 * Limit), "the 64 MiB output was never allocated");
    }

    [Test]
    public void Read_InflatedSizeExactlyAtLimit_IsDelivered()
    {
        var payload = new byte[Limit];
        var protocol = ClientProtocol(noContext: false);

        var messages = new List<Message>();
        ProtocolFeed.AllAtOnce(protocol, ClientFrame.Unmasked(Opcode.Binary, RawDeflate(payload), rsv: 4), messages);

        Assert.That(messages.Single().Data.Length, Is.EqualTo(Limit));
    }

    [Test]
    public void Read_MessagesEndingWithFinalBlock_EachIsInflatedWithAFreshStream()
    {
        // RawDeflate ends with a BFINAL block, which RFC 7692 §7.2.3.3 allows; the next message must still inflate.
        var protocol = ClientProtocol(noContext: false);
        var wire = ClientFrame.Unmasked(Opcode.Binary, RawDeflate(s_compressible), rsv: 4)
            .Concat(ClientFrame.Unmasked(Opcode.Text, RawDeflate(Encoding.UTF8.GetBytes("Hello")), rsv: 4)).ToArray();

        var messages = new List<Message>();
        ProtocolFeed.AllAtOnce(protocol, wire, messages);

        Assert.That(messages.Select(m => m.Data.ToArray()), Is.EqualTo(new[] { s_compressible, Encoding.UTF8.GetBytes("Hello") }));
    }

    [Test]
    public void Read_InvalidDeflateData_ThrowsInvalidPayloadData()
    {
        // Block type 3 is reserved (RFC 1951 §3.2.3): zlib reports a data error, which node ws answers with 1007.
        var protocol = ClientProtocol(noContext: false);

        var error = Assert.Throws<ProtocolException>(() => ProtocolFeed.AllAtOnce(protocol, Hex("c2 03 ff ff ff")));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void Read_CompressedInvalidUtf8Text_ThrowsInvalidPayloadData()
    {
        var protocol = ClientProtocol(noContext: false);

        var error = Assert.Throws<ProtocolException>(() => ProtocolFeed.AllAtOnce(protocol, ClientFrame.Unmasked(Opcode.Text, RawDeflate([0x41, 0xc0, 0xaf]), rsv: 4)));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void GetBytes_PreparedFrame_CompressedOnceWithFreshContextAndReadableAfterContextMessages()
    {
        var settings = Settings(threshold: 0, noContext: false);
        using var writer = new DeflateFrameWriter(settings);
        var frame = RxSockets.Transport.PreparedFrame.Create(Message.Binary(s_compressible), fragmentSize: 0);
        var output = new ArrayBufferWriter<byte>();

        writer.TryWriteMessage(output, Message.Binary(s_compressible), 0, masks: null);
        output.Write(frame.SelectFor(writer));
        writer.TryWriteMessage(output, Message.Binary(s_compressible), 0, masks: null);

        Assert.That(frame.GetBytes(settings, out var compressed), Is.EqualTo(frame.GetBytes(settings, out _)));   // the same memory
        Assert.That(compressed, Is.True);
        var messages = new List<Message>();
        ProtocolFeed.AllAtOnce(ClientProtocol(noContext: false), output.WrittenSpan.ToArray(), messages);
        Assert.That(messages.Select(m => m.Data.ToArray()), Is.EqualTo(new[] { s_compressible, s_compressible, s_compressible }));
    }

    [Test]
    public void GetBytes_PreparedFrameBelowThreshold_IsThePlainFrame()
    {
        var frame = RxSockets.Transport.PreparedFrame.Create(Message.Text("Hello"), fragmentSize: 0);

        var bytes = frame.GetBytes(Settings(threshold: 1024, noContext: false), out var compressed);

        Assert.That(compressed, Is.False);
        Assert.That(bytes, Is.EqualTo(frame.Bytes));   // the same memory
    }

    private static DeflateSettings Settings(int threshold, bool noContext) =>
        new("permessage-deflate", noContext, noContext, threshold, CompressionLevel.Optimal);

    private static WebSocketProtocol ClientProtocol(bool noContext) =>
        new(ConnectionRole.Client, Limit, 0, inflater: new PerMessageInflater(noContext));

    private static WebSocketProtocol ServerProtocol(bool noContext) =>
        new(ConnectionRole.Server, Limit, 0, inflater: new PerMessageInflater(noContext));

    private static byte[] RawDeflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(data);
            deflate.Flush();
        }

        return output.ToArray();
    }

    /// <summary>The first byte (FIN, RSV, opcode) of every unmasked frame in <paramref name="wire"/>.</summary>
    private static List<byte> FrameFirstBytes(byte[] wire)
    {
        var result = new List<byte>();
        var position = 0;
        while (position < wire.Length)
        {
            result.Add(wire[position]);
            var length = wire[position + 1] & 0x7f;
            var header = 2;
            if (length == 126)
            {
                length = (wire[position + 2] << 8) | wire[position + 3];
                header = 4;
            }

            position += header + length;
        }

        return result;
    }
}
