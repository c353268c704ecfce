using System.Buffers;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol.Frames;

public class FrameWriterTests
{
    private const int RfcMaskKey = 0x3d21fa37;   // 37 fa 21 3d on the wire

    [Test]
    public void WriteFrame_RfcUnmaskedHello_MatchesRfcBytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteFrame(output, Opcode.Text, fin: true, rsv1: false, "Hello"u8, maskKey: null);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(Hex("81 05 48 65 6c 6c 6f")));
    }

    [Test]
    public void WriteFrame_RfcMaskedHello_MatchesRfcBytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteFrame(output, Opcode.Text, fin: true, rsv1: false, "Hello"u8, RfcMaskKey);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(Hex("81 85 37 fa 21 3d 7f 9f 4d 51 58")));
    }

    [Test]
    public void WriteFrame_RfcUnmaskedPing_MatchesRfcBytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteFrame(output, Opcode.Ping, fin: true, rsv1: false, "Hello"u8, maskKey: null);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(Hex("89 05 48 65 6c 6c 6f")));
    }

    [Test]
    public void WriteFrame_RfcMaskedPong_MatchesRfcBytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteFrame(output, Opcode.Pong, fin: true, rsv1: false, "Hello"u8, RfcMaskKey);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(Hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58")));
    }

    [TestCase(256, "82 7E 0100")]
    [TestCase(65536, "82 7F 0000000000010000")]
    public void WriteFrame_RfcLongBinary_UsesRfcLengthEncoding(int length, string headerHex)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteFrame(output, Opcode.Binary, true, false, payload, null);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(Hex(headerHex).Concat(payload).ToArray()));
    }

    [TestCase(0, "82 00")]
    [TestCase(125, "82 7D")]
    [TestCase(126, "82 7E 007E")]
    [TestCase(65535, "82 7E FFFF")]
    [TestCase(65536, "82 7F 0000000000010000")]
    public void WriteHeader_PayloadLength_UsesMinimalEncoding(long length, string expectedHex)
    {
        var destination = new byte[FrameHeader.MaxLength];

        var written = FrameWriter.WriteHeader(destination, Opcode.Binary, fin: true, rsv1: false, length, maskKey: null);

        Assert.That(destination[..written], Is.EqualTo(Hex(expectedHex)));
        Assert.That(FrameWriter.HeaderLength(length, masked: false), Is.EqualTo(written));
    }

    [TestCase(0, 6)]
    [TestCase(125, 6)]
    [TestCase(126, 8)]
    [TestCase(65535, 8)]
    [TestCase(65536, 14)]
    public void HeaderLength_Masked_AddsFourKeyBytes(long length, int expected)
    {
        var headerLength = FrameWriter.HeaderLength(length, masked: true);

        Assert.That(headerLength, Is.EqualTo(expected));
    }

    [TestCase(0)]
    [TestCase(125)]
    [TestCase(126)]
    [TestCase(65535)]
    [TestCase(65536)]
    public void WriteHeader_Masked_ParsesBackToSameHeader(long length)
    {
        var destination = new byte[FrameHeader.MaxLength];

        var written = FrameWriter.WriteHeader(destination, Opcode.Binary, fin: false, rsv1: true, length, RfcMaskKey);
        FrameHeader.TryParse(new ReadOnlySequence<byte>(destination, 0, written), true, 0x4, long.MaxValue, out var header);

        Assert.That(header, Is.EqualTo(new FrameHeader(false, 0x4, Opcode.Binary, true, RfcMaskKey, length, written)));
    }

    [Test]
    public void WriteMessage_RfcFragmentedHello_MatchesRfcBytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteMessage(output, MessageType.Text, "Hello"u8, fragmentSize: 3, masks: null);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(Hex("01 03 48 65 6c  80 02 6c 6f")));
    }

    [TestCase(0, 0)]
    [TestCase(5, 0)]
    [TestCase(5, 5)]
    [TestCase(0, 3)]
    public void WriteMessage_PayloadNoLongerThanFragmentSize_WritesOneFrame(int length, int fragmentSize)
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteMessage(output, MessageType.Binary, new byte[length], fragmentSize, masks: null);

        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        var read = Frame.TryRead(ref buffer, false, long.MaxValue, out var frame);
        Assert.That(read, Is.True);
        Assert.That(frame.Header.Fin, Is.True);
        Assert.That(frame.Header.Opcode, Is.EqualTo(Opcode.Binary));
        Assert.That(frame.Payload, Has.Length.EqualTo(length));
        Assert.That(buffer.IsEmpty, Is.True);
    }

    [Test]
    public void WriteMessage_MaskedFragments_ReadBackAsTheMessageWithFreshKeys()
    {
        var payload = Enumerable.Range(0, 1000).Select(i => (byte)(i * 13)).ToArray();
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteMessage(output, MessageType.Binary, payload, fragmentSize: 300, new MaskKeySource());

        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        var frames = new List<Frame>();
        while (Frame.TryRead(ref buffer, expectMasked: true, long.MaxValue, out var frame))
        {
            frames.Add(frame);
        }

        Assert.That(frames.Select(f => f.Header.Opcode), Is.EqualTo(new[] { Opcode.Binary, Opcode.Continuation, Opcode.Continuation, Opcode.Continuation }));
        Assert.That(frames.Select(f => f.Header.Fin), Is.EqualTo(new[] { false, false, false, true }));
        Assert.That(frames.SelectMany(f => f.Payload), Is.EqualTo(payload));
        Assert.That(frames.Select(f => f.Header.MaskKey).Distinct().Count(), Is.EqualTo(4));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    public void WriteFrame_LargeMaskedPayloadInSmallSpans_ReadsBackIdentical(int extra)
    {
        var payload = Enumerable.Range(0, 200_003).Select(i => (byte)(i * 31 + (i >> 8))).ToArray();
        var output = new SmallSpanBufferWriter(extra);

        FrameWriter.WriteFrame(output, Opcode.Binary, true, false, payload, RfcMaskKey);

        var buffer = new ReadOnlySequence<byte>(output.WrittenArray);
        var read = Frame.TryRead(ref buffer, expectMasked: true, long.MaxValue, out var frame);
        Assert.That(read, Is.True);
        Assert.That(frame.Payload, Is.EqualTo(payload));
        Assert.That(buffer.IsEmpty, Is.True);
    }

    [Test]
    public void WriteFrame_MaskedPayload_LeavesCallerPayloadUnchanged()
    {
        var payload = "Hello"u8.ToArray();
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteFrame(output, Opcode.Text, true, false, payload, RfcMaskKey);

        Assert.That(payload, Is.EqualTo("Hello"u8.ToArray()));
    }

    [Test]
    public void WriteClose_StatusWithReason_WritesCodeThenReason()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteClose(output, new CloseStatus(CloseCode.NormalClosure, "bye"), maskKey: null);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(Hex("88 05 03e8 627965")));
    }

    [Test]
    public void WriteClose_NullStatus_WritesEmptyBody()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteClose(output, null, maskKey: null);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(Hex("88 00")));
    }

    [Test]
    public void WriteClose_MaskedLongestReason_ParsesBack()
    {
        var status = new CloseStatus((CloseCode)4000, new string('r', ClosePayload.MaxReasonBytes));
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteClose(output, status, RfcMaskKey);

        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Frame.TryRead(ref buffer, expectMasked: true, 0, out var frame);
        Assert.That(frame.Header.Opcode, Is.EqualTo(Opcode.Close));
        Assert.That(frame.Payload, Has.Length.EqualTo(125));
        Assert.That(ClosePayload.Parse(frame.Payload), Is.EqualTo(status));
    }
}
