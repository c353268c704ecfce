using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

public class RedirectTests
{
    private static WebSocketClientOptions Following(int maxRedirects = 10) => new()
    {
        FollowRedirects = true,
        MaxRedirects = maxRedirects,
        UseEnvironmentProxy = false,
        Headers = { ["Authorization"] = "Bearer secret", ["Cookie"] = "session=1", ["X-Trace"] = "t1" },
    };

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_RedirectWithoutFollowRedirects_ThrowsWithItsStatus(CancellationToken cancellationToken)
    {
        await using var redirector = new ScriptedHttpServer(_ => ScriptedHttpServer.Redirect("/elsewhere", 301));

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(redirector.Url(), new WebSocketClientOptions { UseEnvironmentProxy = false }, cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(301));
        Assert.That(error?.Headers["Location"], Is.EqualTo("/elsewhere"));
    }

    [TestCase(301)]
    [TestCase(302)]
    [TestCase(303)]
    [TestCase(307)]
    [TestCase(308)]
    [CancelAfter(10_000)]
    public async Task ConnectAsync_HttpLocationOnOtherPort_ConnectsToItsWsForm(int status, CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var target = $"http://127.0.0.1:{server.LocalEndPoint.Port}/final?x=1";
        await using var redirector = new ScriptedHttpServer(_ => ScriptedHttpServer.Redirect(target, status));

        await using var client = await WebSocketConnection.ConnectAsync(redirector.Url("/start"), Following(), cancellationToken);

        Assert.That(client.Url, Is.EqualTo(new Uri($"ws://127.0.0.1:{server.LocalEndPoint.Port}/final?x=1")));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_RelativeLocationOnSameHost_KeepsCredentialHeaders(CancellationToken cancellationToken)
    {
        await using var redirector = new ScriptedHttpServer(request => ScriptedHttpServer.Target(request) == "/a/start"
            ? ScriptedHttpServer.Redirect("next?y=2")
            : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(redirector.Url("/a/start"), Following(), cancellationToken));
        await redirector.NextRequestAsync(cancellationToken);
        var second = await redirector.NextRequestAsync(cancellationToken);

        Assert.That(error?.StatusCode, Is.EqualTo(404));
        Assert.That(ScriptedHttpServer.Target(second), Is.EqualTo("/a/next?y=2"));
        Assert.That(second, Does.Contain("Authorization: Bearer secret").And.Contain("Cookie: session=1").And.Contain("X-Trace: t1"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_RedirectToOtherPort_DropsAuthorizationAndCookie(CancellationToken cancellationToken)
    {
        await using var other = new ScriptedHttpServer(_ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        await using var redirector = new ScriptedHttpServer(_ => ScriptedHttpServer.Redirect(other.Url("/there").AbsoluteUri));

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(redirector.Url(), Following(), cancellationToken));
        var first = await redirector.NextRequestAsync(cancellationToken);
        var forwarded = await other.NextRequestAsync(cancellationToken);

        Assert.That(error?.StatusCode, Is.EqualTo(404));
        Assert.That(first, Does.Contain("Authorization: Bearer secret"));
        Assert.That(forwarded, Does.Contain("X-Trace: t1"));
        Assert.That(forwarded, Does.Not.Contain("Authorization").And.Not.Contain("Cookie"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_RedirectLoop_ThrowsNamingTheChain(CancellationToken cancellationToken)
    {
        await using var redirector = new ScriptedHttpServer(request =>
            ScriptedHttpServer.Redirect(ScriptedHttpServer.Target(request) == "/a" ? "/b" : "/a"));

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(redirector.Url("/a"), Following(), cancellationToken));

        Assert.That(error?.Message, Does.Contain("loop"));
        Assert.That(error?.Message, Does.Contain($"{redirector.Url("/a")} → {redirector.Url("/b")} → {redirector.Url("/a")}"));
        Assert.That(error?.IsTransient, Is.False);
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_MoreRedirectsThanMaxRedirects_ThrowsNamingTheChain(CancellationToken cancellationToken)
    {
        await using var redirector = new ScriptedHttpServer(request =>
            ScriptedHttpServer.Redirect("/" + (int.Parse(ScriptedHttpServer.Target(request).TrimStart('/'), System.Globalization.CultureInfo.InvariantCulture) + 1)));

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(redirector.Url("/0"), Following(maxRedirects: 3), cancellationToken));

        Assert.That(error?.Message, Does.Contain("more than 3 redirects"));
        Assert.That(error?.Message, Does.Contain($"{redirector.Url("/3")} → {redirector.Url("/4")}"));
        Assert.That(error?.StatusCode, Is.EqualTo(302));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_RedirectToOtherScheme_ThrowsNamingTheLocation(CancellationToken cancellationToken)
    {
        await using var redirector = new ScriptedHttpServer(_ => ScriptedHttpServer.Redirect("ftp://example.com/"));

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(redirector.Url(), Following(), cancellationToken));

        Assert.That(error?.Message, Does.Contain("ftp://example.com/"));
    }
}
