using RxSockets.Protocol.Handshake;
using static RxSockets.Tests.Protocol.Handshake.HandshakeTestData;

namespace RxSockets.Tests.Protocol.Handshake;

public class AcceptKeyTests
{
    [Test]
    public void Compute_RfcSampleKey_ReturnsRfcAcceptValue()
    {
        var accept = AcceptKey.Compute(SampleKey);

        Assert.That(accept, Is.EqualTo(SampleAccept));
    }

    [Test]
    public void CreateClientKey_TwoCalls_ReturnDistinctValidKeys()
    {
        var first = AcceptKey.CreateClientKey();
        var second = AcceptKey.CreateClientKey();

        Assert.That(AcceptKey.IsValidClientKey(first), Is.True);
        Assert.That(AcceptKey.IsValidClientKey(second), Is.True);
        Assert.That(first, Is.Not.EqualTo(second));
    }

    [TestCase(SampleKey, true)]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAA==", true)]
    [TestCase("", false)]
    [TestCase("dGhlIHNhbXBsZSBub25jZQ", false)]
    [TestCase("dGhlIHNhbXBsZSBub25jZSE=", false)]
    [TestCase("dGhlIHNhbXBsZSBub25jZQ==AAAA", false)]
    [TestCase("dGhlIHNhbXBsZSBub25j ZQ=", false)]
    [TestCase("!!!!!!!!!!!!!!!!!!!!!!==", false)]
    [TestCase(null, false)]
    public void IsValidClientKey_Candidate_ReportsWhetherItEncodes16Bytes(string? candidate, bool expected)
    {
        var valid = AcceptKey.IsValidClientKey(candidate);

        Assert.That(valid, Is.EqualTo(expected));
    }

    [Test]
    public void Write_RfcSampleKey_WritesTheRfcAcceptValueAsAscii()
    {
        var destination = new byte[AcceptKey.AcceptLength];

        AcceptKey.Write(SampleKey, destination);

        Assert.That(Text(destination), Is.EqualTo(SampleAccept));
    }
}
