using System.Diagnostics;
using System.Globalization;

namespace RxSockets.Bench.ScaleOutLoad;

/// <summary>
/// One scale-out measurement: opens the subscribers (spread round-robin over the nodes' URLs), waits until every
/// node has welcomed every subscriber, tells the publisher to go (through <see cref="ScaleOutControl"/>), counts the
/// deliveries during the measured interval after the warm-up, tells the publisher to stop, waits until what it
/// published has arrived (or stopped arriving), and reports rate, latency and what was lost, duplicated or reordered.
/// </summary>
internal sealed class ScaleOutRun : IDisposable
{
    private static readonly TimeSpan WelcomeTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainQuiet = TimeSpan.FromSeconds(2);

    private readonly Subscriber[] _subscribers;
    private readonly Task[] _loops;
    private int _measuring;
    private int _closing;

    private ScaleOutRun(ScaleOutControl control, Subscriber[] subscribers, Task[] loops)
    {
        Control = control;
        _subscribers = subscribers;
        _loops = loops;
    }

    public ScaleOutControl Control { get; }

    /// <summary>Whether the measured interval is running (sampled subscribers record latencies).</summary>
    public bool Measuring => Volatile.Read(ref _measuring) != 0;

    /// <summary>Whether the run is closing its connections (their ends are not failures).</summary>
    public bool Closing => Volatile.Read(ref _closing) != 0;

    public static async Task<ScaleOutRun> OpenAsync(ScaleOutControl control, IReadOnlyList<Uri> urls, int connections, bool signalR, int sampleEvery)
    {
        var subscribers = new Subscriber[connections];
        var loops = new Task[connections];
        var run = new ScaleOutRun(control, subscribers, loops);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (var start = 0; start < connections; start += 100)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(100, connections - start)).Select(async i =>
            {
                subscribers[i] = new Subscriber(run, signalR, sampled: i % sampleEvery == 0);
                loops[i] = await subscribers[i].StartAsync(urls[i % urls.Count], timeout.Token);
            }));
        }

        return run;
    }

    /// <summary>Runs the measurement and writes its lines to <paramref name="output"/>; returns the exit code.</summary>
    public async Task<int> MeasureAsync(TimeSpan warmup, TimeSpan duration, int nodes, TextWriter output)
    {
        try
        {
            await Task.WhenAll(_subscribers.Select(s => s.Welcomed)).WaitAsync(WelcomeTimeout);
        }
        catch (Exception error) when (error is TimeoutException or IOException)
        {
            var welcomed = _subscribers.Count(s => s.Welcomed.IsCompletedSuccessfully);
            await Console.Error.WriteLineAsync($"only {welcomed} of {_subscribers.Length} subscribers were welcomed: {error.Message}");
            return 1;
        }

        // The welcome carries the node's Stopwatch timestamp: a shared clock gives a small, non-negative delay.
        var delays = _subscribers.Select(s => s.WelcomeDelay).ToArray();
        if (delays.Min() < 0 || delays.Max() > Stopwatch.Frequency * 60)
        {
            await Console.Error.WriteLineAsync($"the nodes' Stopwatch clock is not this process's (welcome delays {delays.Min()}..{delays.Max()} ticks)");
            return 1;
        }

        Control.Subscribers = _subscribers.Length;
        Control.Command = ScaleOutControl.Go;
        var clock = Stopwatch.StartNew();
        await Task.Delay(warmup);
        var wait = Stopwatch.StartNew();
        while (Control.Published == 0 && wait.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10);
        }

        if (Control.Published == 0)
        {
            await Console.Error.WriteLineAsync("the publisher did not start (is a node running with --publish on this control file?)");
            return 1;
        }

        using var self = Process.GetCurrentProcess();
        var cpu0 = self.TotalProcessorTime;
        var (delivered0, published0, t0) = (SumDelivered(), Control.Published, clock.Elapsed);
        Volatile.Write(ref _measuring, 1);
        await Task.Delay(duration);
        var (delivered1, published1, t1) = (SumDelivered(), Control.Published, clock.Elapsed);
        Volatile.Write(ref _measuring, 0);
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpu0) / (t1 - t0);
        Control.Command = ScaleOutControl.Stop;
        wait.Restart();
        while (!Control.PublisherDone && wait.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        var published = Control.Published;
        var drained = await DrainAsync(published);
        var seconds = (t1 - t0).TotalSeconds;
        var perSecond = (delivered1 - delivered0) / seconds;
        var latencies = _subscribers.SelectMany(s => s.Latencies).Select(ticks => ticks * 1e6 / Stopwatch.Frequency).ToArray();
        var (p50, p99, p999) = Percentiles.Summarize(latencies);
        var lost = _subscribers.Sum(s => published - s.Distinct);
        var duplicates = _subscribers.Sum(s => s.Duplicates);
        var outOfOrder = _subscribers.Sum(s => s.OutOfOrder);
        var dead = _subscribers.Count(s => s.Error is not null);
        if (_subscribers.FirstOrDefault(s => s.Error is not null) is { } failed)
        {
            await Console.Error.WriteLineAsync($"{dead} subscribers' connections ended early, for example: {failed.Error}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"connections {_subscribers.Length} over {nodes} node(s); welcome delay {delays.Min() * 1e3 / Stopwatch.Frequency:F2}..{delays.Max() * 1e3 / Stopwatch.Frequency:F2} ms (shared clock)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"published {published} ({(published1 - published0) / seconds:F0}/s measured), publish errors {Control.PublishErrors}, {(drained ? "all arrived" : "not all arrived")}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"result: deliveries_per_s={perSecond:F0} p50_us={p50:F1} p99_us={p99:F1} p999_us={p999:F1} lost={lost} dup={duplicates} ooo={outOfOrder} "
            + $"published={published} publish_per_s={(published1 - published0) / seconds:F0} dead={dead} samples={latencies.Length} load_cpu={cpu:F2}"));
        return 0;
    }

    public void Dispose()
    {
        Volatile.Write(ref _closing, 1);
        foreach (var subscriber in _subscribers)
        {
            subscriber?.Abort();
        }

        Task.WhenAll(_loops.Where(loop => loop is not null)).Wait(TimeSpan.FromSeconds(5));
        Control.Dispose();
    }

    private long SumDelivered() => _subscribers.Sum(s => s.Delivered);

    /// <summary>Waits until every live subscriber has every published message, or nothing arrived for a while.</summary>
    private async Task<bool> DrainAsync(long published)
    {
        var last = -1L;
        var quiet = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        while (total.Elapsed < TimeSpan.FromSeconds(60))
        {
            var distinct = _subscribers.Where(s => s.Error is null).Sum(s => s.Distinct);
            if (_subscribers.All(s => s.Error is not null || s.Distinct == published))
            {
                return true;
            }

            if (distinct != last)
            {
                last = distinct;
                quiet.Restart();
            }
            else if (quiet.Elapsed > DrainQuiet)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return false;
    }
}
