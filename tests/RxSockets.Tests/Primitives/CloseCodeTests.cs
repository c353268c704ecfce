namespace RxSockets.Tests.Primitives;

public class CloseCodeTests
{
    [TestCase(CloseCode.NormalClosure, 1000)]
    [TestCase(CloseCode.GoingAway, 1001)]
    [TestCase(CloseCode.ProtocolError, 1002)]
    [TestCase(CloseCode.UnsupportedData, 1003)]
    [TestCase(CloseCode.Reserved, 1004)]
    [TestCase(CloseCode.NoStatusReceived, 1005)]
    [TestCase(CloseCode.AbnormalClosure, 1006)]
    [TestCase(CloseCode.InvalidPayloadData, 1007)]
    [TestCase(CloseCode.PolicyViolation, 1008)]
    [TestCase(CloseCode.MessageTooBig, 1009)]
    [TestCase(CloseCode.MandatoryExtension, 1010)]
    [TestCase(CloseCode.InternalError, 1011)]
    [TestCase(CloseCode.ServiceRestart, 1012)]
    [TestCase(CloseCode.TryAgainLater, 1013)]
    [TestCase(CloseCode.BadGateway, 1014)]
    [TestCase(CloseCode.TlsHandshakeFailure, 1015)]
    public void Value_NamedCode_MatchesIanaRegistry(CloseCode code, int expected)
    {
        var value = (int)code;

        Assert.That(value, Is.EqualTo(expected));
    }
}
