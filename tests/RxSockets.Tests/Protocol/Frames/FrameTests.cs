using System.Buffers;
using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol.Frames;

public class FrameTests
{
    private const long Limit = 1 << 20;

    [Test]
    public void TryRead_RfcUnmaskedHello_ReadsTextFrame()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("81 05 48 65 6c 6c 6f"));

        var read = Frame.TryRead(ref buffer, expectMasked: false, Limit, out var frame);

        Assert.That(read, Is.True);
        Assert.That(frame.Header.Opcode, Is.EqualTo(Opcode.Text));
        Assert.That(frame.Header.Fin, Is.True);
        Assert.That(Encoding.UTF8.GetString(frame.Payload), Is.EqualTo("Hello"));
        Assert.That(buffer.IsEmpty, Is.True);
    }

    [Test]
    public void TryRead_RfcMaskedHello_UnmasksPayload()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));

        var read = Frame.TryRead(ref buffer, expectMasked: true, Limit, out var frame);

        Assert.That(read, Is.True);
        Assert.That(frame.Header.Masked, Is.True);
        Assert.That(Encoding.UTF8.GetString(frame.Payload), Is.EqualTo("Hello"));
    }

    [Test]
    public void TryRead_RfcFragmentedHello_ReadsTwoFramesInOrder()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("01 03 48 65 6c  80 02 6c 6f"));

        Frame.TryRead(ref buffer, false, Limit, out var first);
        Frame.TryRead(ref buffer, false, Limit, out var second);

        Assert.That(first.Header, Is.EqualTo(new FrameHeader(false, 0, Opcode.Text, false, 0, 3, 2)));
        Assert.That(first.Payload, Is.EqualTo("Hel"u8.ToArray()));
        Assert.That(second.Header, Is.EqualTo(new FrameHeader(true, 0, Opcode.Continuation, false, 0, 2, 2)));
        Assert.That(second.Payload, Is.EqualTo("lo"u8.ToArray()));
        Assert.That(buffer.IsEmpty, Is.True);
    }

    [Test]
    public void TryRead_RfcUnmaskedPing_ReadsPingWithBody()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("89 05 48 65 6c 6c 6f"));

        Frame.TryRead(ref buffer, false, Limit, out var frame);

        Assert.That(frame.Header.Opcode, Is.EqualTo(Opcode.Ping));
        Assert.That(frame.Payload, Is.EqualTo("Hello"u8.ToArray()));
    }

    [Test]
    public void TryRead_RfcMaskedPong_ReadsPongWithUnmaskedBody()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));

        Frame.TryRead(ref buffer, true, Limit, out var frame);

        Assert.That(frame.Header.Opcode, Is.EqualTo(Opcode.Pong));
        Assert.That(frame.Payload, Is.EqualTo("Hello"u8.ToArray()));
    }

    [TestCase(256, "82 7E 0100")]
    [TestCase(65536, "82 7F 0000000000010000")]
    public void TryRead_RfcLongBinary_ReadsWholePayload(int length, string headerHex)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
        var buffer = new ReadOnlySequence<byte>([.. Hex(headerHex), .. payload]);

        var read = Frame.TryRead(ref buffer, false, Limit, out var frame);

        Assert.That(read, Is.True);
        Assert.That(frame.Header.Opcode, Is.EqualTo(Opcode.Binary));
        Assert.That(frame.Payload, Is.EqualTo(payload));
    }

    [Test]
    public void TryRead_PayloadIncomplete_ReturnsFalseAndKeepsBuffer()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("81 05 48 65 6c 6c"));

        var read = Frame.TryRead(ref buffer, false, Limit, out _);

        Assert.That(read, Is.False);
        Assert.That(buffer.Length, Is.EqualTo(6));
    }

    [Test]
    public void TryRead_MaskedFrameOnClient_ThrowsProtocolError()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("81 84 00000000 48692121"));

        var error = Assert.Throws<ProtocolException>(() => Frame.TryRead(ref buffer, expectMasked: false, maxPayload: 1024, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void TryRead_FrameOverLimitBeforePayloadArrives_ThrowsMessageTooBig()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("82 7E 0100"));

        var error = Assert.Throws<ProtocolException>(() => Frame.TryRead(ref buffer, false, maxPayload: 255, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void TryRead_Rsv1WithAllowedRsv_ReadsFrame()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("C1 01 00"));

        var read = Frame.TryRead(ref buffer, false, Limit, out var frame, allowedRsv: 0x4);

        Assert.That(read, Is.True);
        Assert.That(frame.Header.Rsv1, Is.True);
    }
}
