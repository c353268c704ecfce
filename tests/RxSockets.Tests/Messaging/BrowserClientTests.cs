using System.Text;

namespace RxSockets.Tests.Messaging;

/// <summary>The browser module embedded in the assembly (its behaviour is tested in headless Chromium by
/// RxSockets.Interop.Tests' BrowserMessagingTests).</summary>
public class BrowserClientTests
{
    [Test]
    public void GetScript_IsTheEmbeddedModule_AsciiAndExportingConnect()
    {
        var script = BrowserClient.GetScript();
        var text = Encoding.ASCII.GetString(script);

        Assert.That(script, Is.Not.Empty);
        Assert.That(script, Has.All.LessThan(0x80), "ASCII, so that it needs no charset");
        Assert.That(text, Does.Contain("export function connect(url, options = {})"));
        Assert.That(text, Does.Contain("export const SUBPROTOCOL = \"rxsockets.v1\";"));
    }

    [Test]
    public void GetScript_ReturnsACopy_ThatCallersMayChange()
    {
        var first = BrowserClient.GetScript();
        first[0] = (byte)'X';

        Assert.That(BrowserClient.GetScript()[0], Is.Not.EqualTo((byte)'X'));
    }

    [Test]
    public void OpenScript_StreamsTheSameBytes()
    {
        using var stream = BrowserClient.OpenScript();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);

        Assert.That(copy.ToArray(), Is.EqualTo(BrowserClient.GetScript()));
        Assert.That(BrowserClient.FileName, Is.EqualTo("rxsockets.js"));
        Assert.That(BrowserClient.ContentType, Is.EqualTo("text/javascript"));
    }
}
