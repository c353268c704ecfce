using Microsoft.Reactive.Testing;

namespace RxSockets.Tests.Transport;

/// <summary>What the engine reads of the public options: <c>ConnectionOptions.ToSettings</c>.</summary>
public class ConnectionSettingsTests
{
    [Test]
    public void ToSettings_CarriesWhatTheEngineReads()
    {
        var scheduler = new TestScheduler();
        var options = new WebSocketClientOptions
        {
            MaxMessageSize = 1000, MaxFragments = 7, ReceiveQueueCapacity = 3, SendQueueCapacity = 5, MaxQueuedBytes = 999,
            InlineDelivery = false, FragmentSize = 64, KeepAliveInterval = TimeSpan.FromSeconds(3), KeepAliveTimeout = TimeSpan.FromSeconds(4),
            CloseTimeout = TimeSpan.FromSeconds(6), AutoPong = false, SkipUtf8Validation = true, Scheduler = scheduler,
        }.ValidatedCopy();

        var settings = options.ToSettings();

        Assert.That(
            (settings.MaxMessageSize, settings.MaxFragments, settings.ReceiveQueueCapacity, settings.SendQueueCapacity, settings.MaxQueuedBytes, settings.InlineDelivery, settings.FragmentSize),
            Is.EqualTo((1000L, 7, 3, 5, 999L, false, 64)));
        Assert.That(
            (settings.KeepAliveInterval, settings.KeepAliveTimeout, settings.CloseTimeout, settings.AutoPong, settings.SkipUtf8Validation, settings.MessageRateLimit),
            Is.EqualTo((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6), false, true, 0d)));
        Assert.That((settings.Scheduler, settings.LoggerFactory), Is.EqualTo((scheduler, options.LoggerFactory)));
        Assert.That(options.ToSettings(), Is.SameAs(settings), "made once per options object, shared by its connections");
    }

    [TestCase(2.5, 0, 3)]
    [TestCase(10, 4, 4)]
    public void ToSettings_ServerRateLimit_BurstDefaultsToOneSecondsWorth(double rate, int burst, int expectedBurst)
    {
        var settings = new WebSocketServerOptions { MessageRateLimit = rate, MessageRateBurst = burst }.ValidatedCopy().ToSettings();

        Assert.That((settings.MessageRateLimit, settings.MessageRateBurst), Is.EqualTo((rate, expectedBurst)));
    }

    [Test]
    public void ToSettings_OfACopy_IsMadeFromTheCopy()
    {
        var original = new WebSocketServerOptions { MaxMessageSize = 100 }.ValidatedCopy();
        _ = original.ToSettings();
        original.MaxMessageSize = 200;

        var copy = original.ValidatedCopy();

        Assert.That(copy.ToSettings().MaxMessageSize, Is.EqualTo(200));
    }
}
