using RxSockets.Protocol.Deflate;

namespace RxSockets.Tests.Protocol.Deflate;

public class ExtensionHeaderTests
{
    [Test]
    public void TryParse_SeveralOffersWithParameters_ReturnsThemInOrder()
    {
        var parsed = ExtensionHeader.TryParse(
            "permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate;server_max_window_bits=\"12\" , x-other",
            out var offers);

        Assert.That(parsed, Is.True);
        Assert.That(offers, Is.Not.Null);
        offers ??= [];
        Assert.That(offers.Select(o => o.Name), Is.EqualTo(new[] { "permessage-deflate", "permessage-deflate", "x-other" }));
        Assert.That(offers[0].Parameters, Is.EqualTo(new KeyValuePair<string, string?>[] { new("client_max_window_bits", null), new("server_max_window_bits", "10") }));
        Assert.That(offers[1].Parameters, Is.EqualTo(new KeyValuePair<string, string?>[] { new("server_max_window_bits", "12") }));
        Assert.That(offers[2].Parameters, Is.Empty);
    }

    [TestCase("")]
    [TestCase("permessage-deflate;")]
    [TestCase("permessage-deflate; =10")]
    [TestCase("permessage-deflate; a=\"1 0\"")]
    [TestCase("permessage-deflate; a=\"10")]
    [TestCase("permessage-deflate x")]
    [TestCase("permessage-deflate; a=")]
    public void TryParse_Malformed_ReturnsFalse(string value)
    {
        var parsed = ExtensionHeader.TryParse(value, out var offers);

        Assert.That(parsed, Is.False);
        Assert.That(offers, Is.Null);
    }
}
