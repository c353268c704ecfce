namespace RxSockets.Tests.Primitives;

public class CloseStatusTests
{
    [Test]
    public void ToString_WithoutReason_ShowsCodeAndName()
    {
        var status = new CloseStatus(CloseCode.NormalClosure);

        Assert.That(status.ToString(), Is.EqualTo("1000 (NormalClosure)"));
    }

    [Test]
    public void ToString_WithReason_AppendsReason()
    {
        var status = new CloseStatus(CloseCode.GoingAway, "shutting down");

        Assert.That(status.ToString(), Is.EqualTo("1001 (GoingAway) shutting down"));
    }

    [Test]
    public void Equals_SameCodeAndReason_AreEqual()
    {
        var left = new CloseStatus((CloseCode)4000, "x");
        var right = new CloseStatus((CloseCode)4000, "x");

        Assert.That(left, Is.EqualTo(right));
    }
}
