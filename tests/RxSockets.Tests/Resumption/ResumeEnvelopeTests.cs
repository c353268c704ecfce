using System.Text;
using RxSockets.Resumption;

namespace RxSockets.Tests.Resumption;

public class ResumeEnvelopeTests
{
    [Test]
    public void Data_TextMessage_IsValidTextWithAsciiHeader()
    {
        var wire = ResumeEnvelope.Data(42, Message.Text("héllo"));

        Assert.That(wire.IsText, Is.True);
        Assert.That(wire.GetText(), Is.EqualTo("d42:héllo"));
    }

    [Test]
    public void TryDecode_BinaryData_KeepsTypeAndPayload()
    {
        var wire = ResumeEnvelope.Data(7, Message.Binary(new byte[] { 0, 255, 58 }));

        var decoded = ResumeEnvelope.TryDecode(wire, out var frame);

        Assert.That(decoded, Is.True);
        Assert.That(frame.Kind, Is.EqualTo(ResumeFrameKind.Data));
        Assert.That(frame.Sequence, Is.EqualTo(7));
        Assert.That(frame.Payload, Is.EqualTo(Message.Binary(new byte[] { 0, 255, 58 })));
    }

    [Test]
    public void TryDecode_EmptyUserPayload_DecodesEmptyMessage()
    {
        var wire = ResumeEnvelope.Data(1, Message.Text(""));

        ResumeEnvelope.TryDecode(wire, out var frame);

        Assert.That(frame.Payload, Is.EqualTo(Message.Text("")));
    }

    [Test]
    public void TryDecode_Ack_ReadsSequence()
    {
        var decoded = ResumeEnvelope.TryDecode(ResumeEnvelope.Ack(123456789), out var frame);

        Assert.That(decoded, Is.True);
        Assert.That(frame, Is.EqualTo(new ResumeFrame(ResumeFrameKind.Ack, 123456789)));
    }

    [Test]
    public void TryDecode_Hello_ReadsSessionLastAndFirstRetained()
    {
        var decoded = ResumeEnvelope.TryDecode(ResumeEnvelope.Hello("ab12", 10, 5), out var frame);

        Assert.That(decoded, Is.True);
        Assert.That(frame, Is.EqualTo(new ResumeFrame(ResumeFrameKind.Hello, 10, SessionId: "ab12", FirstRetained: 5)));
    }

    [Test]
    public void TryDecode_HelloForNewSession_HasEmptySession()
    {
        ResumeEnvelope.TryDecode(ResumeEnvelope.Hello("", 0, 1), out var frame);

        Assert.That(frame.SessionId, Is.Empty);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void TryDecode_Welcome_ReadsResumedFlag(bool resumed)
    {
        ResumeEnvelope.TryDecode(ResumeEnvelope.Welcome("s1", 3, resumed), out var frame);

        Assert.That(frame, Is.EqualTo(new ResumeFrame(ResumeFrameKind.Welcome, 3, SessionId: "s1", Resumed: resumed)));
    }

    [Test]
    public void TryDecode_EndedWelcome_ReadsEndCode()
    {
        ResumeEnvelope.TryDecode(ResumeEnvelope.Ended("s1", 4, CloseCode.InternalError), out var frame);

        Assert.That(frame, Is.EqualTo(new ResumeFrame(ResumeFrameKind.Welcome, 4, SessionId: "s1", EndCode: CloseCode.InternalError)));
    }

    [TestCase("")]
    [TestCase("ws:1:e")]
    [TestCase("ws:1:e999")]
    [TestCase("ws:1:e1005")]
    [TestCase("ws:1:e10x")]
    [TestCase("x1")]
    [TestCase("d:")]
    [TestCase("dx:1")]
    [TestCase("d-1:1")]
    [TestCase("a")]
    [TestCase("a12b")]
    [TestCase("h:1")]
    [TestCase("hs:1:0")]
    [TestCase("hs p:1:1")]
    [TestCase("w:1:r")]
    [TestCase("ws:1:x")]
    [TestCase("d9999999999999999999:x")]
    public void TryDecode_Malformed_ReturnsFalse(string text)
    {
        var decoded = ResumeEnvelope.TryDecode(Message.Text(text), out _);

        Assert.That(decoded, Is.False);
    }

    [Test]
    public void TryDecode_AckInBinaryFrame_ReturnsFalse()
    {
        var decoded = ResumeEnvelope.TryDecode(Message.Binary(Encoding.ASCII.GetBytes("a1")), out _);

        Assert.That(decoded, Is.False);
    }
}
