using System.Diagnostics;
using System.Net;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using RxSockets.AspNetCore;

namespace RxSockets.Dashboard;

/// <summary>
/// A live dashboard: an ASP.NET Core app that serves one HTML page at <c>/</c> and pushes the server's metrics to
/// every open page over the browser's own WebSocket at <c>/metrics</c>. The samples are published to one RxSockets
/// topic, so each is serialized and framed once for all dashboards, and a normal endpoint (<c>/health</c>) runs
/// beside it.
/// </summary>
public sealed class DashboardApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IDisposable _publishing;

    private DashboardApp(WebApplication app, IDisposable publishing, Uri url)
    {
        _app = app;
        _publishing = publishing;
        Url = url;
    }

    /// <summary>The page's address, e.g. <c>http://127.0.0.1:5000/</c>.</summary>
    public Uri Url { get; }

    /// <summary>Starts the app on <paramref name="port"/> (0 = any free port) of 127.0.0.1, publishing a sample every
    /// <paramref name="interval"/> on <paramref name="scheduler"/> (the thread pool's clock when null).</summary>
    public static async Task<DashboardApp> StartAsync(int port, TimeSpan interval, IScheduler? scheduler = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddRxSockets(options => options.MaxConnectionsPerAddress = 100);
        var app = builder.Build();
        var hub = app.Services.GetRequiredService<WebSocketServer>();
        var metrics = hub.Topic("metrics");

        app.MapGet("/", () => Results.Content(s_page.Value, "text/html; charset=utf-8"));
        app.MapGet("/health", () => "ok");
        app.MapRxSockets("/metrics", (connection, _) =>
        {
            metrics.Join(connection);   // left again automatically when the page goes away
            return Task.CompletedTask;
        });

        var publishing = Observable.Interval(interval, scheduler ?? DefaultScheduler.Instance)
            .Select(tick => Sample(tick + 1, metrics.Count))
            .Select(sample => Observable.FromAsync(() => metrics.PublishAsync(
                Message.Text(JsonSerializer.Serialize(sample, DashboardJson.Default.MetricsSample))).AsTask()))
            .Concat()
            .Subscribe(_ => { }, error => Console.Error.WriteLine($"error: publishing stopped: {error.Message}"));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardApp(app, publishing, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        _publishing.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static MetricsSample Sample(long number, int clients)
    {
        using var process = Process.GetCurrentProcess();
        return new MetricsSample(number, clients, GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64, ThreadPool.ThreadCount);
    }

    private static readonly Lazy<string> s_page = new(() =>
    {
        using var stream = typeof(DashboardApp).Assembly.GetManifestResourceStream("dashboard.html")
            ?? throw new InvalidOperationException("The page is embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
