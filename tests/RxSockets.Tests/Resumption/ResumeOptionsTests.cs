namespace RxSockets.Tests.Resumption;

public class ResumeOptionsTests
{
    [TestCase(nameof(ResumeOptions.MaxReplayMessages))]
    [TestCase(nameof(ResumeOptions.MaxReplayBytes))]
    [TestCase(nameof(ResumeOptions.AckEvery))]
    [TestCase(nameof(ResumeOptions.AckInterval))]
    [TestCase(nameof(ResumeOptions.SessionTimeout))]
    public async Task ClientOptions_InvalidResumeOption_ThrowsNamingIt(string property)
    {
        var resume = Spoiled(property);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await WebSocketConnection.ConnectAsync("ws://127.0.0.1:1/", new WebSocketClientOptions { Resume = resume }));

        Assert.That(error?.Message, Does.Contain($"Resume.{property}"));
        Assert.That(error?.ParamName, Is.EqualTo("Resume"));
    }

    [Test]
    public async Task ServerOptions_InvalidResumeOption_ThrowsNamingIt()
    {
        var options = new WebSocketServerOptions { Resume = Spoiled(nameof(ResumeOptions.SessionTimeout)) };

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await WebSocketServer.StartAsync(options));

        Assert.That(error?.Message, Does.Contain("Resume.SessionTimeout"));
    }

    private static ResumeOptions Spoiled(string property)
    {
        var resume = new ResumeOptions();
        switch (property)
        {
            case nameof(ResumeOptions.MaxReplayMessages):
                resume.MaxReplayMessages = 0;
                break;
            case nameof(ResumeOptions.MaxReplayBytes):
                resume.MaxReplayBytes = 0;
                break;
            case nameof(ResumeOptions.AckEvery):
                resume.AckEvery = 0;
                break;
            case nameof(ResumeOptions.AckInterval):
                resume.AckInterval = TimeSpan.Zero;
                break;
            default:
                resume.SessionTimeout = Timeout.InfiniteTimeSpan;
                break;
        }

        return resume;
    }
}
