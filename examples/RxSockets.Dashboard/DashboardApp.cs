using System.Diagnostics;
using System.Net;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RxSockets.AspNetCore;
using RxSockets.Redis;
using RxSockets.Scaling;

namespace RxSockets.Dashboard;

/// <summary>
/// A live dashboard: an ASP.NET Core app that serves one HTML page at <c>/</c>, whose charts are fed by the RxSockets
/// browser client (<c>/rxsockets.js</c>, served from <see cref="BrowserClient"/>) subscribed to the <c>metrics</c>
/// topic over the messaging protocol at <c>/messaging</c>. The topic keeps the last <see cref="HistorySize"/>
/// samples, so a page that reconnects gets the ones it missed. The same samples go to any plain WebSocket client of
/// <c>/metrics</c> (one JSON message each). Each sample is serialized once for every page, and a normal endpoint
/// (<c>/health</c>) runs beside them. <c>/prometheus</c> answers a Prometheus scrape with the SDK's own metrics
/// (the <c>RxSockets</c> and <c>RxSockets.Redis</c> meters: connections, messages, queues, drops, latencies), written
/// by <see cref="PrometheusCollector"/>.
/// </summary>
/// <remarks>
/// With a Redis backplane (<see cref="DashboardOptions.Backplane"/>) several instances share the topic: a page on any
/// instance receives the samples of every sampling instance (each names its node), and one instance may only serve
/// pages (<see cref="DashboardOptions.Sampler"/> off) while another process publishes.
/// </remarks>
public sealed class DashboardApp : IAsyncDisposable
{
    /// <summary>The topic the samples are published to.</summary>
    public const string MetricsTopic = "metrics";

    /// <summary>How many samples the topic keeps for pages that reconnect (in Redis with a backplane, so a page that
    /// comes back to a restarted or another node recovers them too): 10 minutes at the default interval.</summary>
    public const int HistorySize = 600;

    /// <summary>The path of the Prometheus scrape endpoint.</summary>
    public const string PrometheusPath = "/prometheus";

    private readonly WebApplication _app;
    private readonly IDisposable _publishing;
    private readonly PrometheusCollector _collector;

    private DashboardApp(WebApplication app, IDisposable publishing, PrometheusCollector collector, Uri url, string nodeId)
    {
        _app = app;
        _publishing = publishing;
        _collector = collector;
        Url = url;
        NodeId = nodeId;
    }

    /// <summary>The page's address, e.g. <c>http://127.0.0.1:5000/</c>.</summary>
    public Uri Url { get; }

    /// <summary>This node's id in its cluster (<see cref="WebSocketServer.NodeId"/>).</summary>
    public string NodeId { get; }

    /// <summary>Starts the app on <paramref name="port"/> (0 = any free port) of 127.0.0.1, publishing a sample every
    /// <paramref name="interval"/> on <paramref name="scheduler"/> (the thread pool's clock when null).</summary>
    public static Task<DashboardApp> StartAsync(int port, TimeSpan interval, IScheduler? scheduler = null, CancellationToken cancellationToken = default) =>
        StartAsync(new DashboardOptions { Port = port, Interval = interval }, scheduler, cancellationToken);

    /// <summary>Starts the app as <paramref name="options"/> say: on their port of 127.0.0.1, with a Redis backplane
    /// when they name one (the <c>metrics</c> topic is then shared by every instance on that Redis), sampling every
    /// <see cref="DashboardOptions.Interval"/> on <paramref name="scheduler"/> (the thread pool's clock when null)
    /// unless <see cref="DashboardOptions.Sampler"/> is off.</summary>
    /// <exception cref="FormatException"><see cref="DashboardOptions.Backplane"/> is not a <c>redis://</c> URL.</exception>
    /// <exception cref="BackplaneUnavailableException">Redis cannot be reached.</exception>
    public static async Task<DashboardApp> StartAsync(DashboardOptions options, IScheduler? scheduler = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var redis = options.Backplane is null ? null : RedisBackplaneOptions.FromUrl(options.Backplane);
        if (redis is not null)
        {
            redis.NodeId = options.NodeId;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Services.AddRxSockets(server =>
        {
            server.MaxConnectionsPerAddress = 100;
            // Pages may subscribe to the samples, and to nothing else; only the app publishes.
            server.Messaging = new MessagingServerOptions
            {
                AuthorizeSubscribe = (_, topic, _) => ValueTask.FromResult(topic == MetricsTopic ? null : $"this dashboard serves only the '{MetricsTopic}' topic"),
                AuthorizePublish = (_, _, _) => ValueTask.FromResult<string?>("pages do not publish samples"),
            };
            server.ConfigureTopic = name => name == MetricsTopic ? new TopicOptions { HistorySize = HistorySize } : null;
            if (redis is not null)
            {
                // Connected when the app starts (StartAsync below), which fails when Redis is unreachable.
                server.Backplane = new RedisBackplane(redis);
            }
        });
        var app = builder.Build();
        var hub = app.Services.GetRequiredService<WebSocketServer>();
        var metrics = hub.Topic(MetricsTopic);

        app.MapGet("/", () => Results.Content(s_page.Value, "text/html; charset=utf-8"));
        app.MapGet("/" + BrowserClient.FileName, () => Results.Bytes(BrowserClient.GetScript(), BrowserClient.ContentType));
        app.MapGet("/health", () => "ok");

        // Listening from here on: what happened in the process before is not counted (counters start at 0).
        var collector = new PrometheusCollector();
        app.MapGet(PrometheusPath, () => Results.Text(collector.Write(), PrometheusCollector.ContentType));

        // The page's rxsockets.js: the messaging protocol (rxsockets.v1), served by the hub for every connection that
        // negotiates it.
        app.MapRxSockets("/messaging");

        // Left again automatically when the page goes away. Every node's pages are members of the same topic, so a
        // sample published on any node reaches them all.
        app.MapRxSockets("/metrics", async (connection, aborted) => await metrics.JoinAsync(connection, cancellationToken: aborted));

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            collector.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Sampling starts once the app (and so the backplane) is started.
        var publishing = options.Sampler
            ? Observable.Interval(options.Interval, scheduler ?? DefaultScheduler.Instance)
                .Select(tick => Observable.FromAsync(token => PublishAsync(metrics, hub.NodeId, tick + 1, token)))
                .Concat()
                .Subscribe(_ => { }, error => Console.Error.WriteLine($"error: publishing stopped: {error.Message}"))
            : Disposable.Empty;

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardApp(app, publishing, collector, new Uri(address + "/"), hub.NodeId);
    }

    /// <summary>Completes when the app is asked to stop (SIGINT or SIGTERM, through the host's console lifetime).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _publishing.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _collector.Dispose();
    }

    /// <summary>Publishes one sample to every page of every node. While Redis is unreachable the sample reaches only
    /// this node's pages, counting only them (said on stderr), and sampling goes on; the backplane reconnects by
    /// itself.</summary>
    private static async Task PublishAsync(WebSocketTopic metrics, string node, long number, CancellationToken cancellationToken)
    {
        long clients;
        try
        {
            clients = await metrics.GetMemberCountAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            clients = metrics.Count;
        }

        var sample = Sample(number, clients, node);
        try
        {
            await metrics.PublishAsync(Message.Text(JsonSerializer.Serialize(sample, DashboardJson.Default.MetricsSample)), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException error)
        {
            Console.Error.WriteLine($"warning: sample {number} reached only this node's pages: {error.Message}");
        }
    }

    private static MetricsSample Sample(long number, long clients, string node)
    {
        using var process = Process.GetCurrentProcess();
        return new MetricsSample(number, clients, GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64, ThreadPool.ThreadCount, node);
    }

    private static readonly Lazy<string> s_page = new(() =>
    {
        using var stream = typeof(DashboardApp).Assembly.GetManifestResourceStream("dashboard.html")
            ?? throw new InvalidOperationException("The page is embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
