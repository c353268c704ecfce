namespace RxSockets.Cli.Tests;

public class ByteSizeTests
{
    [TestCase("65536", 65_536L)]
    [TestCase("1B", 1L)]
    [TestCase("512KiB", 512L * 1024)]
    [TestCase("4MiB", 4L * 1024 * 1024)]
    [TestCase("4mib", 4L * 1024 * 1024)]
    [TestCase("1GiB", 1L << 30)]
    [TestCase("64KB", 64_000L)]
    [TestCase("4MB", 4_000_000L)]
    [TestCase("1TiB", 0L)]   // no TiB unit: refused below
    public void TryParse_Size_ReturnsItsBytes(string text, long bytes)
    {
        var parsed = ByteSize.TryParse(text, out var value);

        Assert.That((parsed, value), Is.EqualTo((bytes > 0, bytes)));
    }

    [TestCase("")]
    [TestCase("0")]
    [TestCase("0MiB")]
    [TestCase("-1")]
    [TestCase("1.5MiB")]
    [TestCase("4 MiB")]
    [TestCase("MiB")]
    [TestCase("4XB")]
    [TestCase("2000GiB")]
    public void TryParse_InvalidText_IsRejected(string text)
    {
        var parsed = ByteSize.TryParse(text, out var value);

        Assert.That((parsed, value), Is.EqualTo((false, 0L)));
    }
}
