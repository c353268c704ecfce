using System.IO.Compression;

namespace RxSockets.Tests.Protocol.Deflate;

public class PerMessageDeflateOptionsTests
{
    [Test]
    public void Defaults_MatchNodeWs()
    {
        var options = new PerMessageDeflateOptions();

        Assert.That(options.Threshold, Is.EqualTo(1024));
        Assert.That(options.CompressionLevel, Is.EqualTo(CompressionLevel.Optimal));
        Assert.That(new WebSocketServerOptions().PerMessageDeflate, Is.Null);
        Assert.That(new WebSocketClientOptions().PerMessageDeflate, Is.Null);
    }

    [TestCase(nameof(PerMessageDeflateOptions.Threshold))]
    [TestCase(nameof(PerMessageDeflateOptions.CompressionLevel))]
    [TestCase(nameof(PerMessageDeflateOptions.ServerMaxWindowBits))]
    [TestCase(nameof(PerMessageDeflateOptions.ClientMaxWindowBits))]
    public void ServerValidate_InvalidProperty_ThrowsNamingIt(string property)
    {
        var options = new WebSocketServerOptions { PerMessageDeflate = Invalid(property, ConnectionRole.Server) };

        var error = Assert.Throws<ArgumentException>(() => options.ValidatedCopy());

        Assert.That(error?.ParamName, Is.EqualTo($"PerMessageDeflate.{property}"));
    }

    [TestCase(nameof(PerMessageDeflateOptions.Threshold))]
    [TestCase(nameof(PerMessageDeflateOptions.CompressionLevel))]
    [TestCase(nameof(PerMessageDeflateOptions.ServerMaxWindowBits))]
    [TestCase(nameof(PerMessageDeflateOptions.ClientMaxWindowBits))]
    public void ClientValidate_InvalidProperty_ThrowsNamingIt(string property)
    {
        var options = new WebSocketClientOptions { PerMessageDeflate = Invalid(property, ConnectionRole.Client) };

        var error = Assert.Throws<ArgumentException>(() => options.ValidatedCopy());

        Assert.That(error?.ParamName, Is.EqualTo($"PerMessageDeflate.{property}"));
    }

    [Test]
    public void ValidatedCopy_ChangedAfterwards_CopyKeepsTheOldValues()
    {
        var options = new WebSocketServerOptions { PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 10 } };

        var copy = options.ValidatedCopy();
        options.PerMessageDeflate.Threshold = 20;

        Assert.That(copy.PerMessageDeflate?.Threshold, Is.EqualTo(10));
    }

    private static PerMessageDeflateOptions Invalid(string property, ConnectionRole role) => property switch
    {
        nameof(PerMessageDeflateOptions.Threshold) => new PerMessageDeflateOptions { Threshold = -1 },
        nameof(PerMessageDeflateOptions.CompressionLevel) => new PerMessageDeflateOptions { CompressionLevel = (CompressionLevel)42 },
        nameof(PerMessageDeflateOptions.ServerMaxWindowBits) => new PerMessageDeflateOptions { ServerMaxWindowBits = role == ConnectionRole.Server ? 12 : 16 },
        _ => new PerMessageDeflateOptions { ClientMaxWindowBits = role == ConnectionRole.Server ? 7 : 15 },
    };
}
