using System.Reactive.Concurrency;
using System.Threading.Channels;
using RxSockets.Connection;
using RxSockets.Reactive;

namespace RxSockets.Resumption;

/// <summary>
/// The client's side of resumable sessions, around each connection a reconnecting client opens: offers
/// <see cref="ResumeProtocol.Name"/>, opens every connection with a hello (new session, or resume session X from the
/// last number received), replays what the server missed, numbers outgoing messages, drops duplicates and protocol
/// messages from the incoming ones, and acknowledges (every <see cref="ResumeOptions.AckEvery"/> messages, or within
/// <see cref="ResumeOptions.AckInterval"/> on the connection's scheduler). With a server that does not speak the
/// protocol, messages pass through untouched and every connection is a fresh session.
/// </summary>
/// <remarks>Thread-safe in the call order of <see cref="IClientSessionLayer"/>: the read path, the send path and the
/// acknowledgement timer may run concurrently.</remarks>
internal sealed class ResumeLayer : IClientSessionLayer
{
    private readonly ResumeStream _stream;
    private readonly IScheduler _scheduler;
    private readonly TimeSpan _ackInterval;
    private readonly object _gate = new();
    private string _sessionId = "";
    private bool _speaking;
    private WebSocketConnection? _connection;
    private IDisposable? _ackTimer;

    public ResumeLayer(ResumeOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate(nameof(WebSocketClientOptions.Resume));
        _stream = new ResumeStream(options.Clone());
        _scheduler = scheduler;
        _ackInterval = options.AckInterval;
    }

    /// <summary>The layer a client's options ask for (<see cref="WebSocketClientOptions.Resume"/> and its
    /// <see cref="ConnectionOptions.Scheduler"/>): null when <paramref name="resume"/> is null.</summary>
    public static ResumeLayer? Create(ResumeOptions? resume, IScheduler scheduler) =>
        resume is null ? null : new ResumeLayer(resume, scheduler);

    public IReadOnlyList<string> SubProtocols => ResumeProtocol.Offered;

    /// <summary>The session the server issued; empty before the first connection, or with a plain peer.</summary>
    public string SessionId
    {
        get
        {
            lock (_gate)
            {
                return _sessionId;
            }
        }
    }

    public async ValueTask<bool> AttachAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!ResumeProtocol.IsSpokenBy(connection))
        {
            // A plain RFC 6455 peer: nothing numbered, nothing replayed, and no continuity to claim.
            _stream.Reset();
            lock (_gate)
            {
                _sessionId = "";
                _speaking = false;
            }

            return false;
        }

        var sessionId = SessionId;
        await connection.SendAsync(ResumeEnvelope.Hello(sessionId, _stream.LastReceived, _stream.FirstRetained), cancellationToken).ConfigureAwait(false);
        var welcome = await ReadWelcomeAsync(connection, cancellationToken).ConfigureAwait(false);
        if (welcome.EndCode is { } endCode)
        {
            throw await EndedAsync(connection, sessionId, welcome, endCode).ConfigureAwait(false);
        }

        var resumed = welcome.Resumed && sessionId.Length > 0 && welcome.SessionId == sessionId && _stream.CanReplayAfter(welcome.Sequence);
        if (welcome.Resumed && !resumed)
        {
            ResumeProtocol.Violated(connection, "the server resumed a session this client cannot continue");
            throw new ProtocolException(CloseCode.ProtocolError, "The server claimed to resume a session this client cannot continue.");
        }

        Message[] replay = [];
        if (resumed)
        {
            replay = _stream.Resume(welcome.Sequence);
        }
        else
        {
            _stream.Reset();
        }

        lock (_gate)
        {
            _sessionId = welcome.SessionId;
            _speaking = true;
            _connection = connection;
            _ackTimer?.Dispose();
            _ackTimer = _scheduler.SchedulePeriodic(_ackInterval, SendAckIfDue);
        }

        if (sessionId.Length > 0)
        {
            // Only a comeback is an attempt to resume; the first connection of a session is not.
            Diagnostics.RxSocketsMetrics.ResumeAttempt(ConnectionRole.Client, resumed ? "resumed" : "fresh", replay.Length);
        }

        foreach (var message in replay)
        {
            await connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }

        return resumed;
    }

    public bool TryUnwrapIncoming(in Message wire, out Message user)
    {
        user = default;
        WebSocketConnection? connection;
        lock (_gate)
        {
            if (!_speaking)
            {
                user = wire;
                return true;
            }

            connection = _connection;
        }

        if (!ResumeEnvelope.TryDecode(wire, out var frame))
        {
            Violated(connection, "a malformed message");
            return false;
        }

        switch (frame.Kind)
        {
            case ResumeFrameKind.Data:
                switch (_stream.Check(frame.Sequence))
                {
                    case InboundVerdict.Duplicate:
                        return false;
                    case InboundVerdict.Gap:
                        Violated(connection, $"message {frame.Sequence} arrived before {_stream.LastReceived + 1}");
                        return false;
                }

                if (_stream.Commit(frame.Sequence) && connection is not null)
                {
                    SendAck(connection);
                }

                user = frame.Payload;
                return true;
            case ResumeFrameKind.Ack when _stream.Acknowledge(frame.Sequence):
                return false;
            default:
                Violated(connection, $"an unexpected {frame.Kind} message");
                return false;
        }
    }

    public Message WrapOutgoing(in Message user)
    {
        lock (_gate)
        {
            if (!_speaking)
            {
                return user;
            }
        }

        return _stream.Wrap(user);
    }

    public void Detach()
    {
        lock (_gate)
        {
            _connection = null;
            _ackTimer?.Dispose();
            _ackTimer = null;
        }
    }

    private static async ValueTask<ResumeFrame> ReadWelcomeAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        Message answer;
        try
        {
            answer = await connection.Driver.Inbox.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // Ended before the answer: the connection's own outcome says how (it throws when abnormal).
            await connection.Completion.ConfigureAwait(false);
            throw new ConnectionClosedException("The connection closed before the server answered the resume hello.", received: connection.CloseStatus);
        }

        if (!ResumeEnvelope.TryDecode(answer, out var welcome) || welcome.Kind != ResumeFrameKind.Welcome)
        {
            ResumeProtocol.Violated(connection, "the server's first message is not a welcome");
            throw new ProtocolException(CloseCode.ProtocolError, "The server's first message is not a resume welcome.");
        }

        return welcome;
    }

    /// <summary>The server ended the session we asked to resume: forgets it and returns the exception that stops the
    /// client with how it ended.</summary>
    private async Task<Exception> EndedAsync(WebSocketConnection connection, string sessionId, ResumeFrame welcome, CloseCode endCode)
    {
        if (sessionId.Length == 0 || welcome.SessionId != sessionId)
        {
            ResumeProtocol.Violated(connection, "the server ended a session this client did not ask for");
            throw new ProtocolException(CloseCode.ProtocolError, "The server ended a session this client did not ask to resume.");
        }

        // The server closes next, with the reason; if that close is lost too, the code alone tells how it ended.
        try
        {
            await connection.Completion.ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
        }

        var status = connection.CloseStatus is { } closed && closed.Code == endCode ? closed : new CloseStatus(endCode);
        _stream.Reset();
        lock (_gate)
        {
            _sessionId = "";
            _speaking = false;
        }

        return new SessionEndedException(sessionId, status);
    }

    private static void Violated(WebSocketConnection? connection, string reason)
    {
        if (connection is not null)
        {
            ResumeProtocol.Violated(connection, reason);
        }
    }

    private void SendAckIfDue()
    {
        WebSocketConnection? connection;
        lock (_gate)
        {
            connection = _connection;
        }

        if (connection is not null)
        {
            SendAck(connection);
        }
    }

    private void SendAck(WebSocketConnection connection)
    {
        // Never waits: when the send queue is full the acknowledgement goes with the next one instead.
        if (_stream.TryGetAck(out var sequence) && connection.Driver.Outbox.TrySend(ResumeEnvelope.Ack(sequence)))
        {
            _stream.MarkAckSent(sequence);
        }
    }
}
