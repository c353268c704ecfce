using System.Net.Sockets;

namespace RxSockets.Tests.Client;

public class ReconnectOptionsTests
{
    [TestCase(CloseCode.GoingAway, true)]
    [TestCase(CloseCode.AbnormalClosure, true)]
    [TestCase(CloseCode.InternalError, true)]
    [TestCase(CloseCode.ServiceRestart, true)]
    [TestCase(CloseCode.TryAgainLater, true)]
    [TestCase(CloseCode.BadGateway, true)]
    [TestCase(CloseCode.NormalClosure, false)]
    [TestCase(CloseCode.ProtocolError, false)]
    [TestCase(CloseCode.UnsupportedData, false)]
    [TestCase(CloseCode.InvalidPayloadData, false)]
    [TestCase(CloseCode.PolicyViolation, false)]
    [TestCase(CloseCode.MessageTooBig, false)]
    [TestCase(CloseCode.MandatoryExtension, false)]
    [TestCase((CloseCode)4000, false)]
    public void IsTransient_ServerCloseCode_ReconnectsOnlyOnTransientCodes(CloseCode code, bool expected)
    {
        var error = new ConnectionClosedException("closed", received: new CloseStatus(code));

        var transient = ReconnectOptions.IsTransient(error);

        Assert.That(transient, Is.EqualTo(expected));
    }

    [Test]
    public void IsTransient_WeSentNormalClosure_DoesNotReconnect()
    {
        var error = new ConnectionClosedException("closed by us", sent: new CloseStatus(CloseCode.NormalClosure));

        var transient = ReconnectOptions.IsTransient(error);

        Assert.That(transient, Is.False);
    }

    [Test]
    public void IsTransient_WeFailedTheConnectionWithProtocolError_DoesNotReconnect()
    {
        var error = new ConnectionClosedException("failed", sent: new CloseStatus(CloseCode.ProtocolError), innerException: new ProtocolException(CloseCode.ProtocolError, "bad frame"));

        var transient = ReconnectOptions.IsTransient(error);

        Assert.That(transient, Is.False);
    }

    [Test]
    public void IsTransient_DroppedWithoutCloseFrame_Reconnects()
    {
        var error = new ConnectionClosedException("dropped", innerException: new IOException("reset"));

        var transient = ReconnectOptions.IsTransient(error);

        Assert.That(transient, Is.True);
    }

    [TestCase(500, true)]
    [TestCase(502, true)]
    [TestCase(503, true)]
    [TestCase(408, true)]
    [TestCase(429, true)]
    [TestCase(400, false)]
    [TestCase(401, false)]
    [TestCase(403, false)]
    [TestCase(404, false)]
    public void IsTransient_HandshakeRefused_ReconnectsOn5xxOnly(int status, bool expected)
    {
        var error = new HandshakeException($"HTTP {status}", status, null, null, HandshakeException.IsTransientStatus(status));

        var transient = ReconnectOptions.IsTransient(error);

        Assert.That(transient, Is.EqualTo(expected));
    }

    [Test]
    public void IsTransient_NetworkErrorsAndTimeouts_Reconnect()
    {
        Exception[] errors = [new SocketException((int)SocketError.ConnectionRefused), new IOException("reset"), new TimeoutException("slow"), HandshakeException.TimedOut(TimeSpan.FromSeconds(10))];

        var transient = errors.Select(ReconnectOptions.IsTransient);

        Assert.That(transient, Is.All.True);
    }

    [Test]
    public void IsTransient_OtherErrors_DoNotReconnect()
    {
        Exception[] errors = [new InvalidOperationException("bug"), new OperationCanceledException(), new System.Security.Authentication.AuthenticationException("bad certificate")];

        var transient = errors.Select(ReconnectOptions.IsTransient);

        Assert.That(transient, Is.All.False);
    }

    [Test]
    public void BackoffDelay_Attempts_DoubleFromReconnectDelayUpToTheCap()
    {
        var options = new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(500), MaxReconnectDelay = TimeSpan.FromSeconds(3) };

        var delays = Enumerable.Range(1, 6).Select(options.BackoffDelay);

        Assert.That(delays, Is.EqualTo(new[] { 0.5, 1, 2, 3, 3, 3 }.Select(TimeSpan.FromSeconds)));
    }

    [Test]
    public void BackoffDelay_HugeAttemptNumber_StaysAtTheCap()
    {
        var options = new ReconnectOptions();

        var delay = options.BackoffDelay(int.MaxValue);

        Assert.That(delay, Is.EqualTo(options.MaxReconnectDelay));
    }

    [TestCase(nameof(ReconnectOptions.ReconnectDelay))]
    [TestCase(nameof(ReconnectOptions.MaxReconnectDelay))]
    [TestCase(nameof(ReconnectOptions.Jitter))]
    [TestCase(nameof(ReconnectOptions.MaxReconnectAttempts))]
    [TestCase(nameof(ReconnectOptions.SendQueueCapacity))]
    [TestCase(nameof(ReconnectOptions.SendOverflow))]
    [TestCase(nameof(ReconnectOptions.ShouldReconnect))]
    public void Constructor_InvalidOption_ThrowsArgumentExceptionNamingIt(string property)
    {
        var options = new ReconnectOptions();
        switch (property)
        {
            case nameof(ReconnectOptions.ReconnectDelay): options.ReconnectDelay = TimeSpan.FromSeconds(-1); break;
            case nameof(ReconnectOptions.MaxReconnectDelay): options.MaxReconnectDelay = TimeSpan.FromMilliseconds(10); break;
            case nameof(ReconnectOptions.Jitter): options.Jitter = 1.5; break;
            case nameof(ReconnectOptions.MaxReconnectAttempts): options.MaxReconnectAttempts = -1; break;
            case nameof(ReconnectOptions.SendQueueCapacity): options.SendQueueCapacity = 0; break;
            case nameof(ReconnectOptions.SendOverflow): options.SendOverflow = (SendQueueOverflow)42; break;
            default: options.ShouldReconnect = null!; break;   // null on purpose: the validation under test
        }

        var error = Assert.Throws<ArgumentException>(() => _ = new WebSocketClient(new Uri("ws://localhost/"), reconnect: options));

        Assert.That(error?.ParamName, Is.EqualTo(property));
    }
}
