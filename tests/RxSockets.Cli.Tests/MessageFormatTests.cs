namespace RxSockets.Cli.Tests;

public class MessageFormatTests
{
    [Test]
    public void Describe_Text_IsTheTextAsIs()
    {
        var line = MessageFormat.Describe(Message.Text("héllo <b>"));

        Assert.That(line, Is.EqualTo("héllo <b>"));
    }

    [Test]
    public void Describe_ShortBinary_ShowsEveryByteInHex()
    {
        var line = MessageFormat.Describe(Message.Binary(new byte[] { 0x01, 0xab, 0xff }));

        Assert.That(line, Is.EqualTo("<binary 3 bytes: 01abff>"));
    }

    [Test]
    public void Describe_BinaryOver32Bytes_ShowsFirst32ThenEllipsis()
    {
        var data = Enumerable.Range(0, 40).Select(i => (byte)i).ToArray();

        var line = MessageFormat.Describe(Message.Binary(data));

        Assert.That(line, Is.EqualTo("<binary 40 bytes: " + Convert.ToHexStringLower(data, 0, 32) + "…>"));
    }

    [Test]
    public void Describe_Exactly32Bytes_HasNoEllipsis()
    {
        var data = new byte[32];

        var line = MessageFormat.Describe(Message.Binary(data));

        Assert.That(line, Is.EqualTo("<binary 32 bytes: " + new string('0', 64) + ">"));
    }
}
