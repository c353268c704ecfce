using System.Text;
using RxSockets.Messaging;

namespace RxSockets.Tests.Messaging;

/// <summary>The <c>rxsockets.v1</c> wire format (the README's "Messaging protocol"): header, line feed, payload bytes.</summary>
public class ProtocolCodecTests
{
    private static readonly TopicPosition At = new(42, "e1");

    private static IEnumerable<TestCaseData> EveryKind()
    {
        var text = Message.Text("hello");
        yield return Case(new ProtocolFrame(FrameKind.Subscribe) { Id = 1, Topic = "prices" });
        yield return Case(new ProtocolFrame(FrameKind.Subscribe) { Id = 2, Topic = "prices", Position = At });
        yield return Case(new ProtocolFrame(FrameKind.Unsubscribe) { Id = 3, Topic = "prices" });
        yield return Case(new ProtocolFrame(FrameKind.Publish) { Id = 4, Topic = "prices", Payload = text });
        yield return Case(new ProtocolFrame(FrameKind.Request) { Id = 5, Name = "quote", Payload = text });
        yield return Case(new ProtocolFrame(FrameKind.Request) { Id = 6, Payload = Message.Binary(new byte[] { 1, 2 }) });
        yield return Case(new ProtocolFrame(FrameKind.Reply) { Id = 5, Payload = text });
        yield return Case(new ProtocolFrame(FrameKind.Error) { Id = 5, Code = MessagingErrorCodes.Forbidden, Reason = "not yours" });
        yield return Case(new ProtocolFrame(FrameKind.Subscribed) { Id = 2, Topic = "prices", Position = At, Recovered = 7 });
        yield return Case(new ProtocolFrame(FrameKind.Unsubscribed) { Id = 3, Topic = "prices" });
        yield return Case(new ProtocolFrame(FrameKind.PublishAck) { Id = 4, Topic = "prices", Position = At });
        yield return Case(new ProtocolFrame(FrameKind.Publication) { Topic = "prices", Position = At, Payload = text });
        yield return Case(new ProtocolFrame(FrameKind.Gap) { Topic = "prices", Position = new(3, "e1"), Current = At, Reason = "trimmed" });

        static TestCaseData Case(ProtocolFrame frame) => new TestCaseData(frame).SetArgDisplayNames(ProtocolCodec.WireName(frame.Kind));
    }

    [TestCaseSource(nameof(EveryKind))]
    public void Encode_ThenDecode_GivesTheSameFrame(object testCase)   // object: the frame type is internal
    {
        var frame = (ProtocolFrame)testCase;
        var message = ProtocolCodec.Encode(frame);

        Assert.That(ProtocolCodec.TryDecode(message, out var decoded, out var error), Is.True, error);
        AssertSame(decoded!, frame);
    }

    [Test]
    public void Encode_BinaryPayload_TravelsAsItsOwnBytesInABinaryMessage()
    {
        byte[] payload = [0x0A, 0xFF, 0x00, 0xC3, 0x28, 0x0A];   // line feeds and invalid UTF-8 included
        var frame = new ProtocolFrame(FrameKind.Publish) { Id = 9, Topic = "t", Payload = Message.Binary(payload) };

        var message = ProtocolCodec.Encode(frame);

        var header = Encoding.UTF8.GetString(message.Data.Span[..message.Data.Span.IndexOf((byte)0x0A)]);
        Assert.That(message.Type, Is.EqualTo(MessageType.Binary));
        Assert.That(header, Is.EqualTo("""{"t":"pub","id":9,"topic":"t"}"""));
        Assert.That(message.Data.Length, Is.EqualTo(header.Length + 1 + payload.Length), "no base64: the payload's bytes as they are");
        Assert.That(message.Data[(header.Length + 1)..].ToArray(), Is.EqualTo(payload));
    }

    [Test]
    public void Encode_TextPayloadWithLineFeeds_IsATextMessageAndSplitsOnTheFirstLineFeedOnly()
    {
        var frame = new ProtocolFrame(FrameKind.Publication) { Topic = "chat", Position = At, Payload = Message.Text("héllo\nwörld\n") };

        var message = ProtocolCodec.Encode(frame);

        Assert.That(message.Type, Is.EqualTo(MessageType.Text));
        Assert.That(message.GetText(), Is.EqualTo("{\"t\":\"p\",\"topic\":\"chat\",\"pos\":\"42@e1\"}\nhéllo\nwörld\n"));
        Assert.That(ProtocolCodec.TryDecode(message, out var decoded, out _), Is.True);
        Assert.That(decoded!.Payload!.Value.GetText(), Is.EqualTo("héllo\nwörld\n"));
    }

    [Test]
    public void Encode_LineFeedInAHeaderString_IsEscapedSoTheHeaderStaysOneLine()
    {
        var frame = new ProtocolFrame(FrameKind.Error) { Id = 1, Code = "internal", Reason = "line one\nline two" };

        var message = ProtocolCodec.Encode(frame);

        Assert.That(message.Data.Span.Count((byte)0x0A), Is.EqualTo(1));
        Assert.That(ProtocolCodec.TryDecode(message, out var decoded, out _), Is.True);
        Assert.That(decoded!.Reason, Is.EqualTo("line one\nline two"));
    }

    [Test]
    public void TryDecode_WhatABrowserWrites_UnknownFieldsIgnored()
    {
        var message = Message.Text("{\"t\":\"pub\",\"id\":12,\"topic\":\"prices\",\"v\":{\"later\":[1,2]},\"x\":null}\n42.5");

        Assert.That(ProtocolCodec.TryDecode(message, out var frame, out var error), Is.True, error);
        Assert.That((frame!.Kind, frame.Id, frame.Topic, frame.Payload!.Value.GetText()), Is.EqualTo((FrameKind.Publish, 12L, "prices", "42.5")));
    }

    [TestCase("{\"t\":\"sub\",\"id\":1,\"topic\":\"a\"}", "no line feed")]
    [TestCase("not json\n", "not JSON")]
    [TestCase("[1,2]\n", "not a JSON object")]
    [TestCase("{\"t\":\"sub\",\"id\":1,\"topic\":\"a\"} {}\n", "not JSON")]
    [TestCase("{\"id\":1,\"topic\":\"a\"}\n", "no 't'")]
    [TestCase("{\"t\":\"subscribe\",\"id\":1,\"topic\":\"a\"}\n", "unknown frame kind 'subscribe'")]
    [TestCase("{\"t\":\"sub\",\"id\":\"1\",\"topic\":\"a\"}\n", "'id' must be an integer")]
    [TestCase("{\"t\":\"sub\",\"id\":1.5,\"topic\":\"a\"}\n", "'id' must be an integer")]
    [TestCase("{\"t\":\"sub\",\"topic\":\"a\"}\n", "needs an 'id'")]
    [TestCase("{\"t\":\"sub\",\"id\":0,\"topic\":\"a\"}\n", "needs an 'id'")]
    [TestCase("{\"t\":\"p\",\"id\":3,\"topic\":\"a\",\"pos\":\"1@e\"}\n", "has no 'id'")]
    [TestCase("{\"t\":\"sub\",\"id\":1}\n", "needs a 'topic'")]
    [TestCase("{\"t\":\"sub\",\"id\":1,\"topic\":\"\"}\n", "needs a 'topic'")]
    [TestCase("{\"t\":\"sub\",\"id\":1,\"topic\":\"a\",\"pos\":\"x@e\"}\n", "not OFFSET@EPOCH ('x@e')")]
    [TestCase("{\"t\":\"sub\",\"id\":1,\"topic\":\"a\",\"pos\":\"-1@e\"}\n", "not OFFSET@EPOCH")]
    [TestCase("{\"t\":\"puback\",\"id\":1,\"topic\":\"a\"}\n", "needs a 'pos'")]
    [TestCase("{\"t\":\"gap\",\"topic\":\"a\",\"pos\":\"1@e\",\"reason\":\"trimmed\"}\n", "needs a 'cur' and a 'reason'")]
    [TestCase("{\"t\":\"err\",\"id\":1}\n", "needs a 'code'")]
    [TestCase("{\"t\":\"sub\",\"id\":1,\"topic\":\"a\"}\npayload", "carries no payload")]
    [TestCase("{\"t\":\"subok\",\"id\":1,\"topic\":\"a\",\"pos\":\"1@e\",\"recovered\":-1}\n", "'recovered' of 0 or more")]
    public void TryDecode_NotAFrame_SaysWhy(string text, string why)
    {
        Assert.That(ProtocolCodec.TryDecode(Message.Text(text), out var frame, out var error), Is.False);
        Assert.That(frame, Is.Null);
        Assert.That(error, Does.Contain(why));
    }

    [Test]
    public void TryDecode_BinaryMessageWhoseHeaderIsNotUtf8_SaysSoInsteadOfThrowing()
    {
        byte[] bytes = [.. "{\"t\":\"pub\",\"id\":1,\"topic\":\""u8, 0xF4, .. "\"}\n"u8];

        Assert.That(ProtocolCodec.TryDecode(Message.Binary(bytes), out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo("the header is not UTF-8"));
    }

    [Test]
    public void TryDecode_TopicLongerThan256Utf8Bytes_IsRefused()
    {
        var topic = new string('é', 129);   // 258 bytes
        var message = Message.Text($"{{\"t\":\"sub\",\"id\":1,\"topic\":\"{topic}\"}}\n");

        Assert.That(ProtocolCodec.TryDecode(message, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("1 to 256 UTF-8 bytes"));
    }

    [Test]
    public void Encode_FrameMissingAField_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => ProtocolCodec.Encode(new ProtocolFrame(FrameKind.PublishAck) { Id = 1, Topic = "a" }));

        Assert.That(error!.Message, Does.Contain("'puback' frame needs a 'pos'"));
    }

    [Test]
    public void TryDecode_RandomAndMutatedBytes_NeverThrowsAndWhatItReadsReencodesTheSame()
    {
        var random = new Random(20261206);
        var valid = EveryKind().Select(data => ProtocolCodec.Encode((ProtocolFrame)data.Arguments[0]!).Data.ToArray()).ToArray();
        var decoded = 0;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.Next(0, 64)];
                random.NextBytes(bytes);
            }
            else
            {
                bytes = (byte[])valid[random.Next(valid.Length)].Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
            }

            // A text message is valid UTF-8 (the engine refuses any other with 1007).
            var message = random.Next(2) == 0 && System.Text.Unicode.Utf8.IsValid(bytes) ? Message.Text(bytes) : Message.Binary(bytes);
            if (ProtocolCodec.TryDecode(message, out var frame, out _))
            {
                decoded++;
                Assert.That(ProtocolCodec.TryDecode(ProtocolCodec.Encode(frame), out var again, out var error), Is.True, error);
                AssertSame(again!, frame);
            }
        }

        Assert.That(decoded, Is.GreaterThan(100), "some mutations stay frames (payload bytes, topic letters)");
    }

    private static void AssertSame(ProtocolFrame actual, ProtocolFrame expected)
    {
        Assert.That(actual with { Payload = null }, Is.EqualTo(expected with { Payload = null }));
        Assert.That(actual.Payload?.Type, Is.EqualTo(expected.Payload?.Type));
        Assert.That(actual.Payload?.Data.ToArray(), Is.EqualTo(expected.Payload?.Data.ToArray()));
    }
}
