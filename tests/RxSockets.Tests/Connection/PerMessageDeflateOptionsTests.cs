using System.IO.Compression;

namespace RxSockets.Tests.Connection;

public class PerMessageDeflateOptionsTests
{
    [Test]
    public void Defaults_MatchNodeWs()
    {
        var options = new PerMessageDeflateOptions();

        Assert.That(options.Threshold, Is.EqualTo(1024));
        Assert.That(options.CompressionLevel, Is.EqualTo(CompressionLevel.Optimal));
        Assert.That(options.MemoryLevel, Is.EqualTo(8));
        Assert.That(options.ServerMaxWindowBits, Is.Null);
        Assert.That(options.ClientMaxWindowBits, Is.Null);
        Assert.That(new WebSocketServerOptions().PerMessageDeflate, Is.Null);
        Assert.That(new WebSocketClientOptions().PerMessageDeflate, Is.Null);
    }

    [TestCase(nameof(PerMessageDeflateOptions.Threshold))]
    [TestCase(nameof(PerMessageDeflateOptions.CompressionLevel))]
    [TestCase(nameof(PerMessageDeflateOptions.ServerMaxWindowBits))]
    [TestCase(nameof(PerMessageDeflateOptions.ClientMaxWindowBits))]
    [TestCase(nameof(PerMessageDeflateOptions.MemoryLevel))]
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
    [TestCase(nameof(PerMessageDeflateOptions.MemoryLevel))]
    public void ClientValidate_InvalidProperty_ThrowsNamingIt(string property)
    {
        var options = new WebSocketClientOptions { PerMessageDeflate = Invalid(property, ConnectionRole.Client) };

        var error = Assert.Throws<ArgumentException>(() => options.ValidatedCopy());

        Assert.That(error?.ParamName, Is.EqualTo($"PerMessageDeflate.{property}"));
    }

    [TestCase(8, 1)]
    [TestCase(12, 4)]
    [TestCase(15, 9)]
    public void Validate_EveryWindowAndMemoryLevel_IsAcceptedInBothRoles(int bits, int memLevel)
    {
        PerMessageDeflateOptions Options() => new() { ServerMaxWindowBits = bits, ClientMaxWindowBits = bits, MemoryLevel = memLevel };

        Assert.DoesNotThrow(() => new WebSocketServerOptions { PerMessageDeflate = Options() }.ValidatedCopy());
        Assert.DoesNotThrow(() => new WebSocketClientOptions { PerMessageDeflate = Options() }.ValidatedCopy());
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
        nameof(PerMessageDeflateOptions.ServerMaxWindowBits) => new PerMessageDeflateOptions { ServerMaxWindowBits = role == ConnectionRole.Server ? 7 : 16 },
        nameof(PerMessageDeflateOptions.MemoryLevel) => new PerMessageDeflateOptions { MemoryLevel = role == ConnectionRole.Server ? 0 : 10 },
        _ => new PerMessageDeflateOptions { ClientMaxWindowBits = role == ConnectionRole.Server ? 16 : 7 },
    };
}
