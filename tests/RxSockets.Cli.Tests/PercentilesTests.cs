namespace RxSockets.Cli.Tests;

public class PercentilesTests
{
    private static readonly double[] s_oneToThousand = [.. Enumerable.Range(1, 1000).Select(i => (double)i)];

    [TestCase(50, 500)]
    [TestCase(99, 990)]
    [TestCase(99.9, 999)]
    [TestCase(100, 1000)]
    public void Of_OneToThousand_ReturnsNearestRank(double percent, double expected)
    {
        var value = Percentiles.Of(s_oneToThousand, percent);

        Assert.That(value, Is.EqualTo(expected));
    }

    [Test]
    public void Of_SingleSample_ReturnsItForEveryPercentile()
    {
        double[] samples = [42];

        var values = new[] { 50, 99, 99.9 }.Select(p => Percentiles.Of(samples, p));

        Assert.That(values, Is.All.EqualTo(42));
    }

    [Test]
    public void Of_NoSamples_ReturnsZero()
    {
        var value = Percentiles.Of([], 99);

        Assert.That(value, Is.Zero);
    }
}
