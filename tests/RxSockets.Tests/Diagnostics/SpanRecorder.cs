using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using RxSockets.Diagnostics;

namespace RxSockets.Tests.Diagnostics;

/// <summary>An OpenTelemetry <see cref="TracerProvider"/> on the <c>RxSockets</c> source that exports to the SDK's
/// in-memory exporter, and lets a test await a span by a predicate (spans end on the SDK's threads, some after the
/// call that caused them has returned: a server's span after its answer is sent).</summary>
/// <remarks>Activity listeners are process-wide: <see cref="Spans"/> holds every test's spans; tests keep their own
/// (by <c>server.port</c> or trace id).</remarks>
internal sealed class SpanRecorder : IDisposable
{
    private readonly List<Activity> _exported = [];
    private readonly Signal _signal = new();
    private readonly TracerProvider _provider;

    public SpanRecorder()
    {
        // The signal runs after the exporter (processors run in the order added): a span awaited is already exported.
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(RxSocketsActivity.SourceName)
            .AddInMemoryExporter(_exported)
            .AddProcessor(_signal)
            .Build();
    }

    /// <summary>The spans the in-memory exporter has, after a flush.</summary>
    public IReadOnlyList<Activity> Spans
    {
        get
        {
            _provider.ForceFlush();
            lock (_signal.Gate)
            {
                return [.. _exported];
            }
        }
    }

    /// <summary>Completes with the first ended span that <paramref name="match"/> accepts.</summary>
    public Task<Activity> WaitForAsync(Func<Activity, bool> match, CancellationToken cancellationToken) =>
        _signal.WaitForAsync(match, cancellationToken);

    public void Dispose() => _provider.Dispose();

    public static object? Tag(Activity activity, string name) => activity.GetTagItem(name);

    private sealed class Signal : BaseProcessor<Activity>
    {
        private readonly List<Activity> _ended = [];
        private readonly List<(Func<Activity, bool> Match, TaskCompletionSource<Activity> Done)> _waiters = [];

        public Lock Gate { get; } = new();

        public override void OnEnd(Activity data)
        {
            lock (Gate)
            {
                _ended.Add(data);
                foreach (var waiter in _waiters.Where(w => w.Match(data)).ToList())
                {
                    _waiters.Remove(waiter);
                    waiter.Done.TrySetResult(data);
                }
            }
        }

        public Task<Activity> WaitForAsync(Func<Activity, bool> match, CancellationToken cancellationToken)
        {
            lock (Gate)
            {
                if (_ended.FirstOrDefault(match) is { } ended)
                {
                    return Task.FromResult(ended);
                }

                var done = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((match, done));
                return done.Task.WaitAsync(cancellationToken);
            }
        }
    }
}
