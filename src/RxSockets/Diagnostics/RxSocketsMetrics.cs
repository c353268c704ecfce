using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RxSockets.Diagnostics;

/// <summary>The SDK's <see cref="Meter"/> <c>RxSockets</c> and every instrument on it, named in the OpenTelemetry
/// semantic-convention style. The engine calls one method here per event; each returns at once, allocating nothing,
/// unless a listener (OpenTelemetry's <c>AddMeter("RxSockets")</c>, <c>dotnet-counters</c>, a
/// <see cref="MeterListener"/>) has enabled the instrument: the hot path (one call per message) must not move when
/// nobody collects.</summary>
/// <remarks>Tags: <c>rxsockets.role</c> (<c>server</c> or <c>client</c>), <c>server.port</c> (the port of the
/// connection's URL: on a client the server's port, on a server the one the client's <c>Host</c> named), and per
/// instrument the ones its description names. Integer tag values are boxed only when a listener is attached.</remarks>
internal static class RxSocketsMetrics
{
    /// <summary>The meter's name, for <c>AddMeter</c> and <c>dotnet-counters --counters</c>.</summary>
    public const string MeterName = "RxSockets";

    public const string RoleTag = "rxsockets.role";
    public const string PortTag = "server.port";
    public const string CloseCodeTag = "rxsockets.close_code";
    public const string StatusCodeTag = "http.response.status_code";
    public const string OutcomeTag = "rxsockets.outcome";
    public const string DirectionTag = "rxsockets.direction";
    public const string PolicyTag = "rxsockets.drop.policy";

    /// <summary>Values of <see cref="DirectionTag"/>.</summary>
    public const string Inbound = "inbound";
    public const string Outbound = "outbound";

    /// <summary>Values of <see cref="PolicyTag"/>: why a message was dropped.</summary>
    public const string DropNewest = "drop_newest";
    public const string DropOldest = "drop_oldest";
    public const string DisconnectPolicy = "disconnect";
    public const string WaitTimeout = "wait_timeout";
    public const string Closing = "closing";

    private const string Server = "server";
    private const string Client = "client";

    private static readonly Meter s_meter = new(MeterName, typeof(RxSocketsMetrics).Assembly.GetName().Version?.ToString());

    private static readonly UpDownCounter<long> s_activeConnections = s_meter.CreateUpDownCounter<long>(
        "rxsockets.server.active_connections", "{connection}", "Server connections open now (from the 101 until closed).");

    private static readonly Counter<long> s_opened = s_meter.CreateCounter<long>(
        "rxsockets.connections.opened", "{connection}", "Connections whose opening handshake succeeded.");

    private static readonly Counter<long> s_closed = s_meter.CreateCounter<long>(
        "rxsockets.connections.closed", "{connection}", "Connections that ended, by close code.");

    private static readonly Histogram<double> s_duration = s_meter.CreateHistogram<double>(
        "rxsockets.connection.duration", "s", "How long connections lived, from open to closed.");

    private static readonly Counter<long> s_refusals = s_meter.CreateCounter<long>(
        "rxsockets.server.handshake.refusals", "{handshake}", "Opening handshakes the server refused, by HTTP status.");

    private static readonly Counter<long> s_messagesReceived = s_meter.CreateCounter<long>(
        "rxsockets.messages.received", "{message}", "Data messages received (whole messages, not frames).");

    private static readonly Counter<long> s_messagesSent = s_meter.CreateCounter<long>(
        "rxsockets.messages.sent", "{message}", "Data messages handed to the socket.");

    private static readonly Counter<long> s_bytesReceived = s_meter.CreateCounter<long>(
        "rxsockets.bytes.received", "By", "Payload bytes of the data messages received (after decompression).");

    private static readonly Counter<long> s_bytesSent = s_meter.CreateCounter<long>(
        "rxsockets.bytes.sent", "By", "Payload bytes of the data messages sent (before compression).");

    private static readonly Counter<long> s_reconnectAttempts = s_meter.CreateCounter<long>(
        "rxsockets.client.reconnect.attempts", "{attempt}", "Reconnection attempts of WebSocketClient, by outcome.");

    private static readonly Counter<long> s_dropped = s_meter.CreateCounter<long>(
        "rxsockets.messages.dropped", "{message}", "Messages dropped, by direction and by the policy that dropped them.");

    private static readonly Histogram<double> s_pingDuration = s_meter.CreateHistogram<double>(
        "rxsockets.ping.duration", "s", "Round trips of pings: from the ping handed to the socket to its pong read.");

    private static readonly Counter<long> s_gaveUp = s_meter.CreateCounter<long>(
        "rxsockets.client.reconnect.gave_up", "{client}", "WebSocketClient runs that ended because the reconnect policy gave up.");

    private static readonly Counter<long> s_resumes = s_meter.CreateCounter<long>(
        "rxsockets.resume.attempts", "{attempt}", "Resumable sessions met again after a reconnect, by outcome (resumed, fresh, gap).");

    private static readonly Counter<long> s_replayed = s_meter.CreateCounter<long>(
        "rxsockets.resume.replayed", "{message}", "Messages sent again from the replay log when a session resumed.");

    private static readonly Counter<long> s_topicGaps = s_meter.CreateCounter<long>(
        "rxsockets.client.topic.gaps", "{gap}", "Gaps in a client's topic subscription that the server's history could not fill.");

    /// <summary>Reads the open connections' queue depths (messages, or with true their payload bytes), by role and
    /// direction; set by the engine's registry of connections (Transport, a layer above this one) when the first
    /// connection opens. Called only when a collector observes the queue instruments.</summary>
    internal static Func<bool, IEnumerable<Measurement<long>>>? QueueDepths { get; set; }

    static RxSocketsMetrics()
    {
        // Observed only when a collector asks: reading the queues costs nothing between collections.
        s_meter.CreateObservableUpDownCounter("rxsockets.queue.messages", static () => QueueDepths?.Invoke(false) ?? [],
            "{message}", "Messages waiting in the open connections' queues: inbound (read, not yet consumed) and outbound (not yet written).");
        s_meter.CreateObservableUpDownCounter("rxsockets.queue.bytes", static () => QueueDepths?.Invoke(true) ?? [],
            "By", "Payload bytes of the messages waiting in the open connections' queues.");
    }

    public static void ConnectionOpened(ConnectionRole role, int port)
    {
        if (s_opened.Enabled)
        {
            s_opened.Add(1, Role(role), Port(port));
        }

        if (role == ConnectionRole.Server && s_activeConnections.Enabled)
        {
            s_activeConnections.Add(1, Port(port));
        }
    }

    /// <summary>Counts a connection that ended. <paramref name="code"/>: the close code the peer sent, else the one this
    /// end sent, else (no close frame crossed) 1006.</summary>
    /// <param name="openedAt">The <see cref="Stopwatch.GetTimestamp"/> of the opening.</param>
    public static void ConnectionClosed(ConnectionRole role, int port, CloseCode? code, long openedAt)
    {
        if (s_closed.Enabled)
        {
            s_closed.Add(1, Role(role), Port(port), new(CloseCodeTag, (int)(code ?? CloseCode.AbnormalClosure)));
        }

        if (s_duration.Enabled)
        {
            s_duration.Record(Stopwatch.GetElapsedTime(openedAt).TotalSeconds, Role(role), Port(port));
        }

        // A listener attached while this connection was open sees it leave without having seen it come: its sum is
        // relative to when it attached (the nature of an UpDownCounter, whose measurements are deltas).
        if (role == ConnectionRole.Server && s_activeConnections.Enabled)
        {
            s_activeConnections.Add(-1, Port(port));
        }
    }

    public static void HandshakeRefused(int statusCode)
    {
        if (s_refusals.Enabled)
        {
            s_refusals.Add(1, new KeyValuePair<string, object?>(StatusCodeTag, statusCode));
        }
    }

    public static void MessageReceived(ConnectionRole role, int port, int bytes)
    {
        if (s_messagesReceived.Enabled)
        {
            s_messagesReceived.Add(1, Role(role), Port(port));
        }

        if (s_bytesReceived.Enabled)
        {
            s_bytesReceived.Add(bytes, Role(role), Port(port));
        }
    }

    public static void MessageSent(ConnectionRole role, int port, int bytes)
    {
        if (s_messagesSent.Enabled)
        {
            s_messagesSent.Add(1, Role(role), Port(port));
        }

        if (s_bytesSent.Enabled)
        {
            s_bytesSent.Add(bytes, Role(role), Port(port));
        }
    }

    /// <summary>Counts one reconnection attempt (not the first connection) of a <see cref="WebSocketClient"/>.</summary>
    public static void ReconnectAttempt(Uri url, bool succeeded)
    {
        if (s_reconnectAttempts.Enabled)
        {
            s_reconnectAttempts.Add(1, new KeyValuePair<string, object?>(OutcomeTag, succeeded ? "success" : "failure"), Port(url.Port));
        }
    }

    /// <summary>Counts one dropped message. <paramref name="policy"/>: one of <see cref="DropNewest"/>,
    /// <see cref="DropOldest"/>, <see cref="DisconnectPolicy"/>, <see cref="WaitTimeout"/>, <see cref="Closing"/>.</summary>
    public static void MessageDropped(ConnectionRole role, string direction, string policy)
    {
        if (s_dropped.Enabled)
        {
            s_dropped.Add(1, Role(role), new(DirectionTag, direction), new(PolicyTag, policy));
        }
    }

    public static void PingRoundTrip(ConnectionRole role, int port, TimeSpan rtt)
    {
        if (s_pingDuration.Enabled)
        {
            s_pingDuration.Record(rtt.TotalSeconds, Role(role), Port(port));
        }
    }

    public static void ReconnectGaveUp(Uri url)
    {
        if (s_gaveUp.Enabled)
        {
            s_gaveUp.Add(1, Port(url.Port));
        }
    }

    /// <summary>Counts a resumable session met again. <paramref name="outcome"/>: <c>resumed</c>, <c>fresh</c> (the
    /// other end started afresh) or <c>gap</c> (the replay logs no longer covered what was missed: the session ended).</summary>
    public static void ResumeAttempt(ConnectionRole role, string outcome, int replayed)
    {
        if (s_resumes.Enabled)
        {
            s_resumes.Add(1, Role(role), new(OutcomeTag, outcome));
        }

        if (replayed > 0 && s_replayed.Enabled)
        {
            s_replayed.Add(replayed, Role(role));
        }
    }

    public static void TopicGap()
    {
        if (s_topicGaps.Enabled)
        {
            s_topicGaps.Add(1);
        }
    }

    internal static KeyValuePair<string, object?> Role(ConnectionRole role) => new(RoleTag, role == ConnectionRole.Server ? Server : Client);

    private static KeyValuePair<string, object?> Port(int port) => new(PortTag, port);
}
