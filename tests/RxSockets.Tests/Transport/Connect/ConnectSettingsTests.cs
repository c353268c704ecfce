using System.Net;
using System.Net.Security;
using Microsoft.Reactive.Testing;
using RxSockets.Protocol.Deflate;

namespace RxSockets.Tests.Transport.Connect;

/// <summary><c>WebSocketClientOptions.ToConnectSettings</c>: the connect path's settings carry every option it reads.</summary>
public class ConnectSettingsTests
{
    [Test]
    public void ToConnectSettings_EveryConnectOption_IsCarried()
    {
        var scheduler = new TestScheduler();
        var proxy = new WebProxy("http://proxy.test:3128");
        Func<string, string?> environment = _ => null;
        Func<string, CancellationToken, Task<IPAddress[]>> resolve = (_, _) => Task.FromResult(Array.Empty<IPAddress>());
        var options = new WebSocketClientOptions
        {
            SubProtocols = { "a.v1", "b.v1" },
            Headers = { ["Authorization"] = "Bearer x" },
            Origin = "https://app.test",
            SslOptions = new SslClientAuthenticationOptions { TargetHost = "tls.test" },
            Proxy = proxy,
            UseEnvironmentProxy = false,
            EnvironmentVariables = environment,
            ResolveHost = resolve,
            FollowRedirects = true,
            MaxRedirects = 3,
            HandshakeTimeout = TimeSpan.FromSeconds(7),
            Scheduler = scheduler,
            MaxHeaderBytes = 4096,
        }.ValidatedCopy();

        var settings = options.ToConnectSettings();

        Assert.That(settings.SubProtocols, Is.EqualTo(new[] { "a.v1", "b.v1" }));
        Assert.That(settings.Headers, Is.EquivalentTo(new Dictionary<string, string> { ["Authorization"] = "Bearer x" }));
        Assert.That(settings.Origin, Is.EqualTo("https://app.test"));
        Assert.That(settings.SslOptions?.TargetHost, Is.EqualTo("tls.test"));
        Assert.That(settings.Proxy, Is.SameAs(proxy));
        Assert.That(settings.UseEnvironmentProxy, Is.False);
        Assert.That(settings.EnvironmentVariables, Is.SameAs(environment));
        Assert.That(settings.ResolveHost, Is.SameAs(resolve));
        Assert.That(settings.FollowRedirects, Is.True);
        Assert.That(settings.MaxRedirects, Is.EqualTo(3));
        Assert.That(settings.HandshakeTimeout, Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(settings.Scheduler, Is.SameAs(scheduler));
        Assert.That(settings.MaxHeaderBytes, Is.EqualTo(4096));
        Assert.That(settings.Deflate, Is.Null, "no permessage-deflate asked for: none offered");
    }

    [Test]
    public void ToConnectSettings_PerMessageDeflate_OffersAndChecksAsTheNegotiationDoes()
    {
        var deflate = new PerMessageDeflateOptions { ServerMaxWindowBits = 11, ClientNoContextTakeover = true };
        var options = new WebSocketClientOptions { PerMessageDeflate = deflate }.ValidatedCopy();

        var offer = options.ToConnectSettings().Deflate!;
        var accepted = DeflateNegotiation.TryAcceptResponse("permessage-deflate; server_max_window_bits=10", offer, out var settings, out var acceptError);
        var refused = DeflateNegotiation.TryAcceptResponse("permessage-deflate", offer, out _, out var refusal);

        Assert.That(DeflateNegotiation.BuildOffer(offer), Is.EqualTo(DeflateNegotiation.BuildOffer(deflate.ToPreferences())));
        Assert.That(accepted, Is.True, acceptError);
        Assert.That(settings?.InflateWindowBits, Is.EqualTo(10));
        Assert.That(settings?.CompressNoContext, Is.True);
        Assert.That(refused, Is.False, "server_max_window_bits=11 was asked for and not answered");
        Assert.That(refusal, Does.Contain("server_max_window_bits=11"));
    }
}
