using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RxSockets.Redis;

/// <summary>The Redis backplane's <see cref="Meter"/> <c>RxSockets.Redis</c>, beside the core's <c>RxSockets</c>:
/// publish latency and errors, lost and restored connections. Each instrument is guarded by
/// <see cref="Instrument.Enabled"/>: nothing is allocated while nobody listens.</summary>
/// <remarks>Tags: <c>rxsockets.redis.node</c> is left out on purpose (one value per process, a resource attribute
/// rather than a metric tag); <c>rxsockets.redis.operation</c> = <c>publish</c> (a topic publish, through the history
/// script) or <c>broadcast</c> (a server-wide broadcast, one PUBLISH).</remarks>
internal static class RedisMetrics
{
    public const string MeterName = "RxSockets.Redis";
    public const string OperationTag = "rxsockets.redis.operation";
    public const string ErrorTypeTag = "error.type";
    public const string Publish = "publish";
    public const string Broadcast = "broadcast";

    private static readonly Meter s_meter = new(MeterName, typeof(RedisMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Histogram<double> s_publishDuration = s_meter.CreateHistogram<double>(
        "rxsockets.redis.publish.duration", "s", "Time Redis took to take a publish or broadcast, from the call to its answer.");

    private static readonly Counter<long> s_publishErrors = s_meter.CreateCounter<long>(
        "rxsockets.redis.publish.errors", "{error}", "Publishes and broadcasts that failed, by error type.");

    private static readonly Counter<long> s_connectionFailures = s_meter.CreateCounter<long>(
        "rxsockets.redis.connection.failures", "{failure}", "Connections to Redis reported failed by the client library.");

    private static readonly Counter<long> s_restorations = s_meter.CreateCounter<long>(
        "rxsockets.redis.connection.restored", "{restoration}", "Backplane restorations after Redis came back (subscriptions and presence written again).");

    /// <summary>The <see cref="Stopwatch.GetTimestamp"/> to measure from, or 0 when nobody listens (no clock read).</summary>
    public static long Start() => s_publishDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    public static void Published(string operation, long started)
    {
        if (started != 0 && s_publishDuration.Enabled)
        {
            s_publishDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(OperationTag, operation));
        }
    }

    public static void PublishFailed(string operation, Exception error)
    {
        if (s_publishErrors.Enabled)
        {
            s_publishErrors.Add(1, new KeyValuePair<string, object?>(OperationTag, operation), new KeyValuePair<string, object?>(ErrorTypeTag, error.GetType().FullName));
        }
    }

    public static void ConnectionFailed()
    {
        if (s_connectionFailures.Enabled)
        {
            s_connectionFailures.Add(1);
        }
    }

    public static void Restored()
    {
        if (s_restorations.Enabled)
        {
            s_restorations.Add(1);
        }
    }
}
