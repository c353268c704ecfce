namespace RxSockets.Tests;

public class SmokeTests
{
    [Test]
    public void MessageType_Values_MatchOpcodes() => Assert.That((int)MessageType.Binary, Is.EqualTo(2));
}
