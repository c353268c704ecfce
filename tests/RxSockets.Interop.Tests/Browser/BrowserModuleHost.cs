using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>
/// A small HTTP host on a loopback port that serves the browser module from the assembly
/// (<see cref="BrowserClient"/>, at <c>/rxsockets.js</c>) and a test page at <c>/</c> that imports it: a module
/// script cannot be loaded by a data: URL page, and a page served from loopback may open WebSockets to loopback.
/// The page installs <c>globalThis.rx</c> (the module's exports) and the helpers of <see cref="PageScript"/>, then
/// logs <c>module loaded</c>.
/// </summary>
public sealed class BrowserModuleHost : IAsyncDisposable
{
    /// <summary>The console line the page logs once the module is imported.</summary>
    public const string LoadedLine = "module loaded";

    /// <summary>Helpers for the tests' scripts: <c>collect(client, topic)</c> subscribes and records publications
    /// (text as strings, bytes as arrays of numbers), their positions and gaps, with <c>count(n)</c> resolving once
    /// <c>n</c> have come; <c>nextEvent(client, type)</c> resolves with the client's next event of that type;
    /// <c>failure(promise)</c> resolves with the rejection's <c>{ code, reason }</c> (or <c>'resolved'</c>).</summary>
    private const string PageScript = """
        globalThis.collect = (client, topic) => {
          const c = { items: [], positions: [], gaps: [], waiters: [] };
          c.check = () => { c.waiters = c.waiters.filter(w => c.items.length >= w.n ? (w.resolve(c.items.length), false) : true); };
          c.count = n => new Promise(resolve => { c.waiters.push({ n, resolve }); c.check(); });
          c.off = client.topic(topic).subscribe(
            (data, p) => { c.items.push(typeof data === 'string' ? data : Array.from(data)); c.positions.push(p.pos); c.check(); },
            gap => c.gaps.push(gap));
          return c;
        };
        globalThis.nextEvent = (client, type) => new Promise(resolve => { const off = client.on(type, e => { off(); resolve(e); }); });
        globalThis.failure = promise => promise.then(() => 'resolved', e => ({ code: e.code ?? null, reason: e.reason ?? String(e) }));
        """;

    private readonly WebApplication _app;

    private BrowserModuleHost(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The test page's address (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Url { get; }

    /// <summary>Starts the host on a free loopback port.</summary>
    public static async Task<BrowserModuleHost> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/" + BrowserClient.FileName, () => Results.Bytes(BrowserClient.GetScript(), BrowserClient.ContentType));
        app.MapGet("/", () => Results.Content(
            $"<!doctype html><title>rxsockets.js</title><script type=\"module\">\nimport * as rx from \"/{BrowserClient.FileName}\";\nglobalThis.rx = rx;\n{PageScript}\nconsole.log(\"{LoadedLine}\");\n</script>",
            "text/html; charset=utf-8"));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BrowserModuleHost(app, new Uri(address + "/"));
    }

    /// <summary>Opens a tab of <paramref name="browser"/> on the test page and returns once the module is loaded.</summary>
    public async Task<BrowserPage> OpenPageAsync(HeadlessBrowser browser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var page = await browser.OpenPageAsync(cancellationToken);
        await page.NavigateAsync(Url, cancellationToken);
        await page.WaitForConsoleLineAsync(line => line == LoadedLine || line.StartsWith("uncaught", StringComparison.Ordinal) || line.StartsWith("error ", StringComparison.Ordinal), cancellationToken);
        if (!page.ConsoleLines.Contains(LoadedLine))
        {
            throw new BrowserException($"The module did not load:\n{string.Join('\n', page.ConsoleLines)}");
        }

        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
