using System.Buffers;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol;

public class MessageAssemblerTests
{
    [Test]
    public void EndFrame_SingleFinalFrame_ReturnsMessage()
    {
        var assembler = new MessageAssembler(maxMessageSize: 1024, maxFragments: 0, validateUtf8: true);

        var message = Feed(assembler, Opcode.Binary, fin: true, Hex("010203"));

        Assert.That(message, Is.EqualTo(Message.Binary(Hex("010203"))));
        Assert.That(assembler.InMessage, Is.False);
    }

    [Test]
    public void EndFrame_FragmentsInOrder_ReturnsMessageOnlyAfterFinal()
    {
        var assembler = new MessageAssembler(1024, 0, true);

        var first = Feed(assembler, Opcode.Text, fin: false, "Hel"u8.ToArray());
        var inMessage = assembler.InMessage;
        var second = Feed(assembler, Opcode.Continuation, fin: false, []);
        var third = Feed(assembler, Opcode.Continuation, fin: true, "lo"u8.ToArray());

        Assert.That(first, Is.Null);
        Assert.That(inMessage, Is.True);
        Assert.That(second, Is.Null);
        Assert.That(third, Is.EqualTo(Message.Text("Hello")));
        Assert.That(assembler.InMessage, Is.False);
    }

    [Test]
    public void Append_MaskedChunks_UnmasksAcrossChunkBoundaries()
    {
        var assembler = new MessageAssembler(1024, 0, true);
        var masked = Hex("7f 9f 4d 51 58");   // "Hello" under the RFC key 37 fa 21 3d
        assembler.BeginFrame(new FrameHeader(true, 0, Opcode.Text, true, 0x3d21fa37, 5, 6));

        var offset = assembler.Append(new ReadOnlySequence<byte>(masked, 0, 3), 0x3d21fa37, 0);
        assembler.Append(new ReadOnlySequence<byte>(masked, 3, 2), 0x3d21fa37, offset);
        assembler.EndFrame(out var message);

        Assert.That(offset, Is.EqualTo(3));
        Assert.That(message, Is.EqualTo(Message.Text("Hello")));
    }

    [Test]
    public void BeginFrame_ContinuationWithoutStart_ThrowsProtocolError()
    {
        var assembler = new MessageAssembler(1024, 0, true);

        var error = Assert.Throws<ProtocolException>(() => assembler.BeginFrame(Header(Opcode.Continuation, true, 1)));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(MessageType.Text)]
    [TestCase(MessageType.Binary)]
    public void BeginFrame_NewDataFrameInsideFragmentedMessage_ThrowsProtocolError(MessageType type)
    {
        var second = (Opcode)type;
        var assembler = new MessageAssembler(1024, 0, true);
        Feed(assembler, Opcode.Text, fin: false, "a"u8.ToArray());

        var error = Assert.Throws<ProtocolException>(() => assembler.BeginFrame(Header(second, true, 1)));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void BeginFrame_SingleFrameOverLimit_ThrowsMessageTooBig()
    {
        var assembler = new MessageAssembler(maxMessageSize: 10, 0, true);

        var error = Assert.Throws<ProtocolException>(() => assembler.BeginFrame(Header(Opcode.Binary, true, 11)));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void BeginFrame_FragmentsAddingUpOverLimit_ThrowsMessageTooBigAtTheHeader()
    {
        var assembler = new MessageAssembler(maxMessageSize: 10, 0, true);
        Feed(assembler, Opcode.Binary, fin: false, new byte[6]);

        var error = Assert.Throws<ProtocolException>(() => assembler.BeginFrame(Header(Opcode.Continuation, true, 5)));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void BeginFrame_FragmentsAddingUpToLimit_Accepted()
    {
        var assembler = new MessageAssembler(maxMessageSize: 10, 0, true);
        Feed(assembler, Opcode.Binary, fin: false, new byte[6]);

        var message = Feed(assembler, Opcode.Continuation, fin: true, new byte[4]);

        Assert.That(message?.Data.Length, Is.EqualTo(10));
    }

    [Test]
    public void BeginFrame_MoreFragmentsThanAllowed_ThrowsMessageTooBig()
    {
        var assembler = new MessageAssembler(1024, maxFragments: 3, true);
        Feed(assembler, Opcode.Binary, fin: false, [1]);
        Feed(assembler, Opcode.Continuation, fin: false, [2]);
        Feed(assembler, Opcode.Continuation, fin: false, [3]);

        var error = Assert.Throws<ProtocolException>(() => assembler.BeginFrame(Header(Opcode.Continuation, true, 1)));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void BeginFrame_ExactlyMaxFragments_Accepted()
    {
        var assembler = new MessageAssembler(1024, maxFragments: 3, true);
        Feed(assembler, Opcode.Binary, fin: false, [1]);
        Feed(assembler, Opcode.Continuation, fin: false, [2]);

        var message = Feed(assembler, Opcode.Continuation, fin: true, [3]);

        Assert.That(message, Is.EqualTo(Message.Binary(new byte[] { 1, 2, 3 })));
    }

    [Test]
    public void BeginFrame_FragmentCountResetsBetweenMessages()
    {
        var assembler = new MessageAssembler(1024, maxFragments: 2, true);
        Feed(assembler, Opcode.Binary, fin: false, [1]);
        Feed(assembler, Opcode.Continuation, fin: true, [2]);
        Feed(assembler, Opcode.Binary, fin: false, [3]);

        var message = Feed(assembler, Opcode.Continuation, fin: true, [4]);

        Assert.That(message, Is.EqualTo(Message.Binary(new byte[] { 3, 4 })));
    }

    [Test]
    public void Append_InvalidUtf8InFirstFragment_ThrowsBeforeFinalFrame()
    {
        var assembler = new MessageAssembler(1024, 0, true);
        assembler.BeginFrame(Header(Opcode.Text, fin: false, 4));

        var error = Assert.Throws<ProtocolException>(() => assembler.Append(new ReadOnlySequence<byte>(Hex("41 c0 af 41")), 0, 0));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void EndFrame_TextEndsInsideSequence_ThrowsInvalidPayloadData()
    {
        var assembler = new MessageAssembler(1024, 0, true);
        Feed(assembler, Opcode.Text, fin: false, Hex("41 e2"));
        assembler.BeginFrame(Header(Opcode.Continuation, fin: true, 1));
        assembler.Append(new ReadOnlySequence<byte>(Hex("82")), 0, 0);

        var error = Assert.Throws<ProtocolException>(() => assembler.EndFrame(out _));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void Append_InvalidUtf8InBinaryMessage_Accepted()
    {
        var assembler = new MessageAssembler(1024, 0, true);

        var message = Feed(assembler, Opcode.Binary, fin: true, Hex("c0 af ff"));

        Assert.That(message, Is.EqualTo(Message.Binary(Hex("c0 af ff"))));
    }

    [Test]
    public void Append_InvalidUtf8WithValidationOff_Accepted()
    {
        var assembler = new MessageAssembler(1024, 0, validateUtf8: false);

        var message = Feed(assembler, Opcode.Text, fin: true, Hex("c0 af ff"));

        Assert.That(message?.Type, Is.EqualTo(MessageType.Text));
        Assert.That(message?.Data.ToArray(), Is.EqualTo(Hex("c0 af ff")));
    }

    [Test]
    public void EndFrame_EarlierMessage_KeepsItsBytesWhenTheNextIsAssembled()
    {
        var assembler = new MessageAssembler(1024, 0, true);
        Feed(assembler, Opcode.Binary, fin: false, [1, 2]);
        var first = Feed(assembler, Opcode.Continuation, fin: true, [3]);

        Feed(assembler, Opcode.Binary, fin: false, [9, 9]);
        Feed(assembler, Opcode.Continuation, fin: true, [9, 9, 9]);

        Assert.That(first?.Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [TestCase(MessageType.Text)]
    [TestCase(MessageType.Binary)]
    public void EndFrame_EmptyMessage_ReturnsEmptyMessageOfItsType(MessageType type)
    {
        var opcode = (Opcode)type;   // the RFC's opcodes 1 and 2 match MessageType's values
        var assembler = new MessageAssembler(1024, 0, true);

        var message = Feed(assembler, opcode, fin: true, []);

        Assert.That(message?.Type, Is.EqualTo(type));
        Assert.That(message?.Data.Length, Is.Zero);
    }

    [Test]
    public void Reset_PartialMessage_NextMessageStartsClean()
    {
        var assembler = new MessageAssembler(1024, 0, true);
        Feed(assembler, Opcode.Text, fin: false, Hex("41 e2"));

        assembler.Reset();
        var message = Feed(assembler, Opcode.Text, fin: true, "ok"u8.ToArray());

        Assert.That(message, Is.EqualTo(Message.Text("ok")));
    }

    private static FrameHeader Header(Opcode opcode, bool fin, long length) => new(fin, 0, opcode, false, 0, length, 2);

    private static Message? Feed(MessageAssembler assembler, Opcode opcode, bool fin, byte[] payload)
    {
        assembler.BeginFrame(Header(opcode, fin, payload.Length));
        assembler.Append(new ReadOnlySequence<byte>(payload), 0, 0);
        return assembler.EndFrame(out var message) ? message : null;
    }
}
