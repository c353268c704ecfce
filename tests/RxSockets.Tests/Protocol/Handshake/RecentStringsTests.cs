using RxSockets.Protocol.Handshake;
using static RxSockets.Tests.Protocol.Handshake.HandshakeTestData;

namespace RxSockets.Tests.Protocol.Handshake;

public class RecentStringsTests
{
    [Test]
    public void Get_SameTextTwice_ReturnsTheSameInstance()
    {
        var table = new RecentStrings(8);

        var first = table.Get(Ascii("127.0.0.1:8080"));
        var second = table.Get(Ascii("127.0.0.1:8080"));

        Assert.That(first, Is.EqualTo("127.0.0.1:8080"));
        Assert.That(second, Is.SameAs(first));
    }

    [Test]
    public void Get_DifferentTexts_ReturnsEachTextAsSent()
    {
        var table = new RecentStrings(1);   // one slot: every text replaces the last

        var first = table.Get(Ascii("/chat"));
        var second = table.Get(Ascii("/news"));
        var third = table.Get(Ascii("/chat"));

        Assert.That(new[] { first, second, third }, Is.EqualTo(new[] { "/chat", "/news", "/chat" }));
        Assert.That(third, Is.Not.SameAs(first));
    }

    [Test]
    public void Get_NonAsciiOrTooLong_ReturnsNull()
    {
        var table = new RecentStrings(8);

        Assert.That(table.Get([0x63, 0xC3, 0xA9]), Is.Null);
        Assert.That(table.Get(Ascii(new string('a', RecentStrings.MaxLength + 1))), Is.Null);
        Assert.That(table.Get([]), Is.SameAs(string.Empty));
    }

    [Test]
    public void Constructor_CapacityNotAPowerOfTwo_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RecentStrings(6));
    }
}
