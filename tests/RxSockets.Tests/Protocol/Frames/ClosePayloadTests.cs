using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol.Frames;

public class ClosePayloadTests
{
    private static readonly int[] s_validCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
    private static readonly int[] s_invalidCodes = [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535];

    [TestCaseSource(nameof(s_validCodes))]
    public void Parse_ValidCode_ReturnsStatus(int code)
    {
        byte[] body = [(byte)(code >> 8), (byte)code];

        var status = ClosePayload.Parse(body);

        Assert.That(status, Is.EqualTo(new CloseStatus((CloseCode)code, "")));
    }

    [TestCaseSource(nameof(s_invalidCodes))]
    public void Parse_InvalidCode_ThrowsProtocolError(int code)
    {
        byte[] body = [(byte)(code >> 8), (byte)code, 0x41];

        var error = Assert.Throws<ProtocolException>(() => ClosePayload.Parse(body));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Parse_EmptyBody_ReturnsNull()
    {
        var status = ClosePayload.Parse([]);

        Assert.That(status, Is.Null);
    }

    [Test]
    public void Parse_OneByteBody_ThrowsProtocolError()
    {
        var error = Assert.Throws<ProtocolException>(() => ClosePayload.Parse([0x03]));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void Parse_Utf8Reason_ReturnsReason()
    {
        var body = Hex("03e8 c3a9 e282ac f09f9880");

        var status = ClosePayload.Parse(body);

        Assert.That(status, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "é€😀")));
    }

    [TestCase("03e8 ff")]
    [TestCase("03e8 c0af")]
    [TestCase("03e8 eda080")]
    [TestCase("03e8 f4908080")]
    [TestCase("03e8 80")]
    [TestCase("03e8 41e282")]
    public void Parse_ReasonNotUtf8_ThrowsInvalidPayloadData(string hex)
    {
        var error = Assert.Throws<ProtocolException>(() => ClosePayload.Parse(Hex(hex)));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void Write_StatusWithReason_ParsesBack()
    {
        var status = new CloseStatus((CloseCode)4321, "bye é");
        var destination = new byte[FrameHeader.MaxControlPayloadLength];

        var written = ClosePayload.Write(destination, status);

        Assert.That(destination[..written], Is.EqualTo(Hex("10e1 627965 20 c3a9")));
        Assert.That(ClosePayload.Parse(destination.AsSpan(0, written)), Is.EqualTo(status));
    }

    [TestCaseSource(nameof(s_validCodes))]
    public void ValidateOutgoing_SendableCode_DoesNotThrow(int code)
    {
        var status = new CloseStatus((CloseCode)code, "reason");

        Assert.That(() => ClosePayload.ValidateOutgoing(status), Throws.Nothing);
    }

    [TestCaseSource(nameof(s_invalidCodes))]
    public void ValidateOutgoing_UnsendableCode_ThrowsArgumentException(int code)
    {
        var status = new CloseStatus((CloseCode)code);

        Assert.That(() => ClosePayload.ValidateOutgoing(status), Throws.ArgumentException);
    }

    [TestCase(123, true)]
    [TestCase(124, false)]
    public void ValidateOutgoing_AsciiReasonLength_AcceptsUpTo123Bytes(int length, bool accepted)
    {
        var status = new CloseStatus(CloseCode.NormalClosure, new string('a', length));

        var validate = () => ClosePayload.ValidateOutgoing(status);

        Assert.That(validate, accepted ? Throws.Nothing : Throws.ArgumentException);
    }

    [Test]
    public void ValidateOutgoing_MultiByteReasonOver123Bytes_ThrowsArgumentException()
    {
        var status = new CloseStatus(CloseCode.NormalClosure, new string('é', 62));   // 62 characters, 124 bytes

        Assert.That(() => ClosePayload.ValidateOutgoing(status), Throws.ArgumentException);
    }

    [Test]
    public void ValidateOutgoing_MultiByteReasonOf123Bytes_DoesNotThrow()
    {
        var status = new CloseStatus(CloseCode.NormalClosure, new string('é', 61) + "a");

        Assert.That(() => ClosePayload.ValidateOutgoing(status), Throws.Nothing);
    }

    [Test]
    public void ValidateOutgoing_ReasonWithLoneSurrogate_ThrowsArgumentException()
    {
        var status = new CloseStatus(CloseCode.NormalClosure, "bad \uD800 reason");

        Assert.That(() => ClosePayload.ValidateOutgoing(status), Throws.ArgumentException);
    }

    [TestCase(999, false)]
    [TestCase(1000, true)]
    [TestCase(1003, true)]
    [TestCase(1004, false)]
    [TestCase(1006, false)]
    [TestCase(1007, true)]
    [TestCase(1014, true)]
    [TestCase(1015, false)]
    [TestCase(2999, false)]
    [TestCase(3000, true)]
    [TestCase(4999, true)]
    [TestCase(5000, false)]
    public void IsValidOnWire_Code_FollowsRfc7_4(int code, bool expected)
    {
        var valid = ClosePayload.IsValidOnWire(code);

        Assert.That(valid, Is.EqualTo(expected));
    }
}
