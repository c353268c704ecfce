using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Primitives;

public class MessageTests
{
    // Not [TestCase]: attribute arguments are stored as UTF-8, which would turn a lone surrogate into U+FFFD.
    private static readonly string[] s_loneSurrogates = ["\uD800", "a\uDC00b", "\uDE00\uD83D", "ok\uD83D"];

    [Test]
    public void Text_String_EncodesUtf8()
    {
        var message = Message.Text("é€😀");

        Assert.That(message.IsText, Is.True);
        Assert.That(message.Data.ToArray(), Is.EqualTo(Hex("c3a9 e282ac f09f9880")));
        Assert.That(message.GetText(), Is.EqualTo("é€😀"));
    }

    [TestCaseSource(nameof(s_loneSurrogates))]
    public void Text_LoneSurrogate_ThrowsArgumentException(string text)
    {
        Assert.That(() => Message.Text(text), Throws.ArgumentException);
    }

    [TestCase("c0af")]
    [TestCase("eda080")]
    [TestCase("e282")]
    public void Text_InvalidUtf8Bytes_ThrowsArgumentException(string hex)
    {
        var bytes = Hex(hex);

        Assert.That(() => Message.Text(bytes.AsMemory()), Throws.ArgumentException);
    }

    [Test]
    public void TextUnchecked_Utf8Bytes_IsTextMessageOverTheSameMemory()
    {
        var bytes = "{\"a\":\"é\"}"u8.ToArray();

        var message = Message.TextUnchecked(bytes);

        Assert.That(message.IsText, Is.True);
        Assert.That(message.GetText(), Is.EqualTo("{\"a\":\"é\"}"));
        Assert.That(message.Data.Span.Overlaps(bytes), Is.True, "the payload is not copied");
        Assert.That(message, Is.EqualTo(Message.Text(bytes.AsMemory())));
    }

    [TestCase("c0af")]
    [TestCase("e282")]
    public void TextUnchecked_InvalidUtf8Bytes_IsNotValidated(string hex)
    {
        var bytes = Hex(hex);

        var message = Message.TextUnchecked(bytes);

        Assert.That(message.IsText, Is.True);
        Assert.That(message.Data.ToArray(), Is.EqualTo(bytes));
    }

    [Test]
    public void Text_EmptyString_IsEmptyTextMessage()
    {
        var message = Message.Text("");

        Assert.That(message.IsText, Is.True);
        Assert.That(message.Data.IsEmpty, Is.True);
    }

    [Test]
    public void Binary_Bytes_KeepsTypeAndPayload()
    {
        var message = Message.Binary(Hex("00ff"));

        Assert.That(message.IsBinary, Is.True);
        Assert.That(message.Type, Is.EqualTo(MessageType.Binary));
        Assert.That(message.Data.ToArray(), Is.EqualTo(Hex("00ff")));
    }

    [Test]
    public void Equals_SameTypeAndBytes_AreEqualWithSameHash()
    {
        var left = Message.Binary(Hex("0102"));
        var right = Message.Binary(Hex("0102"));

        Assert.That(left == right, Is.True);
        Assert.That(left.GetHashCode(), Is.EqualTo(right.GetHashCode()));
    }

    [Test]
    public void Equals_SameBytesDifferentType_AreNotEqual()
    {
        var text = Message.Text("ab");
        var binary = Message.Binary("ab"u8.ToArray());

        Assert.That(text != binary, Is.True);
    }

    [Test]
    public void ToString_TextMessage_ShowsTypeAndSizeButNotPayload()
    {
        var message = Message.Text("secret");

        var description = message.ToString();

        Assert.That(description, Is.EqualTo("Text message, 6 bytes"));
    }
}
