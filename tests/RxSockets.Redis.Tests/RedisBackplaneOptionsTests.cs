using StackExchange.Redis;

namespace RxSockets.Redis.Tests;

public class RedisBackplaneOptionsTests
{
    [TestCase("redis://127.0.0.1:6390", "127.0.0.1", 6390, null, null, -1)]
    [TestCase("redis://cache.local", "cache.local", 6379, null, null, -1)]
    [TestCase("redis://:s3cret@cache.local:7000", "cache.local", 7000, null, "s3cret", -1)]
    [TestCase("redis://app:p%40ss@cache.local:7000/3", "cache.local", 7000, "app", "p@ss", 3)]
    [TestCase("redis://127.0.0.1/2", "127.0.0.1", 6379, null, null, 2)]
    public void FromUrl_ValidUrl_BuildsTheConfiguration(string url, string host, int port, string? user, string? password, int database)
    {
        var options = RedisBackplaneOptions.FromUrl(url);

        var parsed = ConfigurationOptions.Parse(options.Configuration!);
        Assert.That(parsed.EndPoints, Has.Count.EqualTo(1));
        Assert.That(parsed.EndPoints[0].ToString(), Does.EndWith(host + ":" + port));
        Assert.That(parsed.User, Is.EqualTo(user));
        Assert.That(parsed.Password, Is.EqualTo(password));
        Assert.That(parsed.DefaultDatabase, Is.EqualTo(database < 0 ? null : database));
    }

    [TestCase("")]
    [TestCase("127.0.0.1:6379")]
    [TestCase("http://127.0.0.1:6379")]
    [TestCase("redis://")]
    [TestCase("redis://host:6379/db")]
    [TestCase("redis://host:6379/?timeout=1")]
    [TestCase("redis://user@host:6379")]
    [TestCase("redis://host:0")]
    public void FromUrl_NotARedisUrl_ThrowsFormatException(string url)
    {
        var error = Assert.Throws<FormatException>(() => RedisBackplaneOptions.FromUrl(url));
        Assert.That(error!.Message, Does.Contain("redis://"));
    }

    [Test]
    public void Constructor_NoConfiguration_ThrowsNamingTheProperty()
    {
        var error = Assert.Throws<ArgumentException>(() => new RedisBackplane(new RedisBackplaneOptions()));
        Assert.That(error!.Message, Does.Contain("Configuration"));
    }

    [Test]
    public void Constructor_NodeTimeoutNotLongerThanHeartbeat_ThrowsNamingTheProperty()
    {
        var options = new RedisBackplaneOptions
        {
            Configuration = "127.0.0.1:6379",
            HeartbeatInterval = TimeSpan.FromSeconds(2),
            NodeTimeout = TimeSpan.FromSeconds(2),
        };

        var error = Assert.Throws<ArgumentException>(() => new RedisBackplane(options));
        Assert.That(error!.Message, Does.Contain("NodeTimeout"));
    }

    [TestCase("a|b")]
    [TestCase("")]
    [TestCase("line\nbreak")]
    public void Constructor_InvalidNodeId_ThrowsNamingTheProperty(string nodeId)
    {
        var options = new RedisBackplaneOptions { Configuration = "127.0.0.1:6379", NodeId = nodeId };

        var error = Assert.Throws<ArgumentException>(() => new RedisBackplane(options));
        Assert.That(error!.Message, Does.Contain("NodeId"));
    }

    [Test]
    public void Constructor_NoNodeId_PicksARandomHexIdPerInstance()
    {
        var options = new RedisBackplaneOptions { Configuration = "127.0.0.1:6379" };

        var first = new RedisBackplane(options).NodeId;
        var second = new RedisBackplane(options).NodeId;

        Assert.That(first, Does.Match("^[0-9a-f]{12}$"));
        Assert.That(second, Is.Not.EqualTo(first));
    }
}
