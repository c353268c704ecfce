namespace RxSockets.Cli.Tests;

public class DurationTests
{
    [TestCase("500ms", 500)]
    [TestCase("3s", 3_000)]
    [TestCase("1m", 60_000)]
    [TestCase("2m30s", 150_000)]
    [TestCase("1.5s", 1_500)]
    [TestCase("1h", 3_600_000)]
    [TestCase("0s", 0)]
    public void TryParse_ValidDuration_ReturnsItsLength(string text, int milliseconds)
    {
        var parsed = Duration.TryParse(text, out var value);

        Assert.That(parsed, Is.True);
        Assert.That(value, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [TestCase("")]
    [TestCase("5")]
    [TestCase("ms")]
    [TestCase("5x")]
    [TestCase("-1s")]
    [TestCase("3 s")]
    [TestCase("1s1m")]
    [TestCase("1s1s")]
    [TestCase("1.2.3s")]
    [TestCase("5S")]
    public void TryParse_InvalidText_IsRejected(string text)
    {
        var parsed = Duration.TryParse(text, out _);

        Assert.That(parsed, Is.False);
    }

    [TestCase(250, "250ms")]
    [TestCase(90_000, "1m30s")]
    [TestCase(0, "0s")]
    public void Format_Duration_ReadsBackTheSame(int milliseconds, string expected)
    {
        var text = Duration.Format(TimeSpan.FromMilliseconds(milliseconds));

        Assert.That(text, Is.EqualTo(expected));
        Assert.That(Duration.TryParse(text, out var back) && back == TimeSpan.FromMilliseconds(milliseconds), Is.True);
    }
}
