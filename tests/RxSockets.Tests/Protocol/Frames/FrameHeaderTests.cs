using System.Buffers;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol.Frames;

public class FrameHeaderTests
{
    private const long Limit = 1 << 20;

    [Test]
    public void TryParse_RfcUnmaskedHello_ReadsTwoByteHeader()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("81 05 48 65 6c 6c 6f"));

        var parsed = FrameHeader.TryParse(buffer, expectMasked: false, allowedRsv: 0, Limit, out var header);

        Assert.That(parsed, Is.True);
        Assert.That(header, Is.EqualTo(new FrameHeader(Fin: true, Rsv: 0, Opcode.Text, Masked: false, MaskKey: 0, PayloadLength: 5, HeaderLength: 2)));
    }

    [Test]
    public void TryParse_RfcMaskedHello_ReadsMaskKeyLittleEndian()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));

        var parsed = FrameHeader.TryParse(buffer, expectMasked: true, allowedRsv: 0, Limit, out var header);

        Assert.That(parsed, Is.True);
        Assert.That(header, Is.EqualTo(new FrameHeader(true, 0, Opcode.Text, true, 0x3d21fa37, 5, 6)));
    }

    [Test]
    public void TryParse_Rfc256ByteBinary_Reads16BitLength()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("82 7E 0100"));

        FrameHeader.TryParse(buffer, expectMasked: false, allowedRsv: 0, Limit, out var header);

        Assert.That(header.Opcode, Is.EqualTo(Opcode.Binary));
        Assert.That(header.PayloadLength, Is.EqualTo(256));
        Assert.That(header.HeaderLength, Is.EqualTo(4));
    }

    [Test]
    public void TryParse_Rfc64KiBBinary_Reads64BitLength()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("82 7F 0000000000010000"));

        FrameHeader.TryParse(buffer, expectMasked: false, allowedRsv: 0, Limit, out var header);

        Assert.That(header.PayloadLength, Is.EqualTo(65536));
        Assert.That(header.HeaderLength, Is.EqualTo(10));
    }

    [TestCase("", false)]
    [TestCase("81", false)]
    [TestCase("81 85 37 fa 21", true)]
    [TestCase("82 7E 01", false)]
    [TestCase("82 FE 0100 37 fa 21", true)]
    [TestCase("82 7F 00000000000100", false)]
    [TestCase("82 FF 0000000000010000 37fa21", true)]
    public void TryParse_IncompleteHeader_ReturnsFalse(string hex, bool expectMasked)
    {
        var buffer = new ReadOnlySequence<byte>(Hex(hex));

        var parsed = FrameHeader.TryParse(buffer, expectMasked, allowedRsv: 0, Limit, out _);

        Assert.That(parsed, Is.False);
    }

    [Test]
    public void TryParse_HeaderSplitAcrossSegmentsAtEveryPosition_ParsesTheSame()
    {
        var bytes = Hex("82 FF 0000000000010000 37fa213d");
        FrameHeader.TryParse(new ReadOnlySequence<byte>(bytes), true, 0, Limit, out var expected);

        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var parsed = FrameHeader.TryParse(Segments.Split(bytes, cut), true, 0, Limit, out var header);

            Assert.That(parsed, Is.True, $"cut at {cut}");
            Assert.That(header, Is.EqualTo(expected), $"cut at {cut}");
        }

        Assert.That(FrameHeader.TryParse(Segments.EveryByte(bytes), true, 0, Limit, out var everyByte), Is.True);
        Assert.That(everyByte, Is.EqualTo(expected));
    }

    [TestCase("82 7F 8000000000000000")]
    [TestCase("82 7F FFFFFFFFFFFFFFFF")]
    public void TryParse_64BitLengthWithMostSignificantBitSet_ThrowsProtocolError(string hex)
    {
        var buffer = new ReadOnlySequence<byte>(Hex(hex));

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, false, 0, long.MaxValue, out _));

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
    public void TryParse_ReservedOpcode_ThrowsProtocolError(int opcode)
    {
        var buffer = new ReadOnlySequence<byte>([(byte)(0x80 | opcode), 0x00]);

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, false, 0, Limit, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(0x40)]
    [TestCase(0x20)]
    [TestCase(0x10)]
    [TestCase(0x70)]
    public void TryParse_ReservedBitWithoutExtension_ThrowsProtocolError(int rsvBits)
    {
        var buffer = new ReadOnlySequence<byte>([(byte)(0x82 | rsvBits), 0x00]);

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, false, 0, Limit, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void TryParse_Rsv1AllowedByExtension_ParsesWithRsv1()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("C2 00"));

        var parsed = FrameHeader.TryParse(buffer, false, allowedRsv: 0x4, Limit, out var header);

        Assert.That(parsed, Is.True);
        Assert.That(header.Rsv1, Is.True);
        Assert.That(header.Rsv, Is.EqualTo(0x4));
    }

    [Test]
    public void TryParse_Rsv2WhenOnlyRsv1Allowed_ThrowsProtocolError()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("A2 00"));

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, false, allowedRsv: 0x4, Limit, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void TryParse_ControlFrameWithAllowedRsv1_ThrowsProtocolError()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("C9 00"));

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, false, allowedRsv: 0x4, Limit, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void TryParse_MaskedFrameOnClient_ThrowsProtocolError()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, expectMasked: false, 0, Limit, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void TryParse_UnmaskedFrameOnServer_ThrowsProtocolError()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("81 05 48 65 6c 6c 6f"));

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, expectMasked: true, 0, Limit, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(0x8)]
    [TestCase(0x9)]
    [TestCase(0xA)]
    public void TryParse_ControlFrameWith125Bytes_Parses(int opcode)
    {
        var buffer = new ReadOnlySequence<byte>([(byte)(0x80 | opcode), 125]);

        var parsed = FrameHeader.TryParse(buffer, false, 0, Limit, out var header);

        Assert.That(parsed, Is.True);
        Assert.That(header.IsControl, Is.True);
        Assert.That(header.PayloadLength, Is.EqualTo(125));
    }

    [TestCase(0x8)]
    [TestCase(0x9)]
    [TestCase(0xA)]
    public void TryParse_ControlFrameWith126Bytes_ThrowsProtocolError(int opcode)
    {
        var buffer = new ReadOnlySequence<byte>([(byte)(0x80 | opcode), 126, 0x00, 126]);

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, false, 0, Limit, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(0x8)]
    [TestCase(0x9)]
    [TestCase(0xA)]
    public void TryParse_FragmentedControlFrame_ThrowsProtocolError(int opcode)
    {
        var buffer = new ReadOnlySequence<byte>([(byte)opcode, 0x00]);

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, false, 0, Limit, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void TryParse_DataFrameOverLimit_ThrowsMessageTooBigFromHeaderAlone()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("82 7E 0101"));   // 257 bytes announced, none present

        var error = Assert.Throws<ProtocolException>(() => FrameHeader.TryParse(buffer, false, 0, maxPayload: 256, out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void TryParse_DataFrameAtLimit_Parses()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("82 7E 0100"));

        var parsed = FrameHeader.TryParse(buffer, false, 0, maxPayload: 256, out var header);

        Assert.That(parsed, Is.True);
        Assert.That(header.PayloadLength, Is.EqualTo(256));
    }

    [Test]
    public void TryParse_DoesNotConsumeTheBuffer()
    {
        var bytes = Hex("81 05 48 65 6c 6c 6f");
        var buffer = new ReadOnlySequence<byte>(bytes);

        FrameHeader.TryParse(buffer, false, 0, Limit, out _);

        Assert.That(buffer.Length, Is.EqualTo(bytes.Length));
    }
}
