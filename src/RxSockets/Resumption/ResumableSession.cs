using System.Reactive.Concurrency;
using Microsoft.Extensions.Logging;
using RxSockets.Reactive;
using RxSockets.Resumption;

namespace RxSockets;

/// <summary>
/// A server's resumable session with one RxSockets client (see <see cref="ResumeOptions"/>): one logical,
/// exactly-once, ordered message stream in each direction that outlives the connections carrying it. When the client
/// drops, the session waits for it to resume for <see cref="ResumeOptions.SessionTimeout"/>; messages sent meanwhile
/// wait in the replay log and are delivered on resume.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Every member may be called from any thread; sends from several threads are numbered in
/// the order they acquire the session's send path.</para>
/// <para><b>Consuming.</b> As on <see cref="WebSocketConnection"/>: <see cref="Incoming"/> or
/// <see cref="ReadAllAsync"/>, not both; messages wait in a bounded queue until consumed, and a slow consumer stops the
/// current connection from being read.</para>
/// <para><b>End.</b> A session ends when its client closes a connection with the close handshake, when
/// <see cref="CloseAsync"/> completes, when the server stops (<see cref="Completion"/> completes), or when it expires:
/// its client did not come back within the session timeout, or came back too late for the replay log to cover the gap
/// (<see cref="Completion"/> faults with a <see cref="TimeoutException"/> or a <see cref="ConnectionClosedException"/>),
/// or when <see cref="FailAsync"/> ends it (<see cref="Completion"/> faults with a
/// <see cref="ConnectionClosedException"/>).</para>
/// <para><b>Told ends.</b> The end of a session that the server closed (<see cref="CloseAsync"/> or
/// <see cref="FailAsync"/>) survives the loss of its close frame: for <see cref="ResumeOptions.SessionTimeout"/> after
/// the end, a client that comes back to resume it is told that the session ended and with which close code and reason,
/// and the reconnecting client stops there instead of resuming. A client that comes back after any other end (or
/// later than that) is given a fresh session.</para>
/// </remarks>
#pragma warning disable CA1001 // Its SemaphoreSlim never creates a wait handle (no AvailableWaitHandle), so it holds nothing to dispose.
public sealed partial class ResumableSession
#pragma warning restore CA1001
{
    // This file: the user's side (send, close, fail) and the session's end. The connection's side (attach, replay,
    // read, acknowledge, detach) is in Resumption/ResumableSession.Connection.cs.
    private readonly ResumeStream _stream;
    private readonly IScheduler _scheduler;
    private readonly TimeSpan _ackInterval;
    private readonly TimeSpan _timeout;
    private readonly Action<ResumableSession> _ended;
    private readonly Transport.BoundedQueue<Message> _inbound;   // bounded by messages and bytes, across connections
    private readonly ChannelObservable<Message> _incoming;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly object _gate = new();
    private ResumeAttachment? _current;
    private IDisposable? _expiry;
    private TaskCompletionSource? _drained;
    private CloseStatus? _endStatus;
    private bool _isEnded;
    private long _resumes;

    internal ResumableSession(string id, ConnectionOptions options, ResumeOptions resume, ILogger logger, Action<ResumableSession> ended)
    {
        Id = id;
        _stream = new ResumeStream(resume);
        _scheduler = options.Scheduler;
        _ackInterval = resume.AckInterval;
        _timeout = resume.SessionTimeout;
        _ended = ended;
        _inbound = new Transport.BoundedQueue<Message>(options.ReceiveQueueCapacity, options.MaxQueuedBytes, static message => message.Data.Length, inline: false);
        _incoming = new ChannelObservable<Message>(_inbound, _completion.Task,
            error => Diagnostics.Log.ObserverFaulted(logger, 0, error), nameof(Incoming));
    }

    /// <summary>The session id the server issued; the client presents it to resume.</summary>
    public string Id { get; }

    /// <summary>The connection carrying the session now; null while the client is away.</summary>
    public WebSocketConnection? Connection
    {
        get
        {
            lock (_gate)
            {
                return _current?.Connection;
            }
        }
    }

    /// <summary>How many times the client came back and the session continued.</summary>
    public long ResumeCount => Interlocked.Read(ref _resumes);

    /// <summary>Received messages, exactly once and in order across reconnections: hot and multicast; messages wait
    /// until the first subscription. Completes when the session ends cleanly; fails when it expires.</summary>
    public IObservable<Message> Incoming => _incoming;

    /// <summary>Completes when the session has ended cleanly; faults when it expired (see the remarks).</summary>
    public Task Completion => _completion.Task;

    /// <summary>Reads received messages with <c>await foreach</c>, across reconnections.</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the session).</param>
    /// <exception cref="InvalidOperationException">The messages are already consumed through <see cref="Incoming"/>.</exception>
    public IAsyncEnumerable<Message> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _incoming.ReadAllAsync(cancellationToken);

    /// <summary>Numbers a message, keeps it for replay until the client acknowledges it, and sends it on the current
    /// connection if there is one (otherwise it is delivered when the client resumes). Completes when it is queued on
    /// the connection or, while the client is away, kept in the log. When the log is full the oldest unacknowledged
    /// message is discarded, and the client can then no longer resume.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels waiting for the session's send path (a message already numbered is
    /// sent regardless, so that the stream has no hole).</param>
    /// <exception cref="ConnectionClosedException">In the task: the session has ended.</exception>
    public async ValueTask SendAsync(Message message, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            WebSocketConnection? connection;
            lock (_gate)
            {
                if (_isEnded || _endStatus is not null)
                {
                    throw new ConnectionClosedException($"The resumable session {Id} has ended.", sent: _endStatus);
                }

                connection = _current?.Connection;
            }

            var wire = _stream.Wrap(message);
            if (connection is not null)
            {
                await SendQuietlyAsync(connection, wire).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Queues a text message.</summary>
    /// <inheritdoc cref="SendAsync(Message, CancellationToken)"/>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) =>
        SendAsync(Message.Text(text), cancellationToken);

    /// <summary>Ends the session: waits until the client has acknowledged every message sent (resuming as often as it
    /// needs to, within the session timeout), then closes the current connection with the close handshake. If that
    /// close is lost (the connection drops), a client that comes back within the session timeout is told the session
    /// ended with <paramref name="code"/> and <paramref name="reason"/> instead of resuming it.</summary>
    /// <param name="code">The close code: 1000–1003, 1007–1014 or 3000–4999.</param>
    /// <param name="reason">At most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgements (the session goes on), or for the
    /// client's answer to the close (the session has ended then).</param>
    public async Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        var status = new CloseStatus(code, reason);
        Protocol.Frames.ClosePayload.ValidateOutgoing(status);
        await WaitAllAcknowledgedAsync(cancellationToken).ConfigureAwait(false);
        WebSocketConnection? connection;
        lock (_gate)
        {
            // From here on the session is ending: no more sends, and a client that comes back is told the end.
            if (!_isEnded)
            {
                _endStatus ??= status;
            }

            connection = _current?.Connection;
        }

        if (connection is not null)
        {
            try
            {
                await connection.CloseAsync(code, reason, cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionClosedException)
            {
                // Dropped during the close: every message was acknowledged already, so the session is complete.
            }
        }

        End(null);
        await Task.WhenAny(_completion.Task).ConfigureAwait(false);   // the pump may be ending it concurrently
    }

    /// <summary>Ends the session at once because the server cannot go on with it (its handler failed): closes the
    /// current connection with 1011 Internal Error without waiting for acknowledgements (messages not yet acknowledged
    /// are dropped), and a client that comes back within the session timeout is told the session failed, with
    /// <paramref name="reason"/>, instead of resuming it or being given a fresh one. <see cref="Completion"/> faults
    /// with a <see cref="ConnectionClosedException"/>. Does nothing when the session has ended already.</summary>
    /// <param name="reason">At most 123 UTF-8 bytes; the client sees it in the close.</param>
    /// <param name="cancellationToken">Stops waiting for the client's answer to the close (the session has ended).</param>
    /// <exception cref="ArgumentException">The reason is longer than 123 UTF-8 bytes.</exception>
    public async Task FailAsync(string reason = "", CancellationToken cancellationToken = default)
    {
        var status = new CloseStatus(CloseCode.InternalError, reason);
        Protocol.Frames.ClosePayload.ValidateOutgoing(status);
        lock (_gate)
        {
            if (_isEnded)
            {
                return;
            }

            _endStatus = status;
        }

        var connection = End(new ConnectionClosedException($"The resumable session {Id} failed: {(int)status.Code} {reason}".TrimEnd(), sent: status),
            abort: false);
        if (connection is not null)
        {
            try
            {
                await connection.CloseAsync(status.Code, reason, cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionClosedException)
            {
                // The close was lost: the client learns the end when it comes back.
            }
        }
    }

    /// <summary>"ResumableSession 1a2b… connected".</summary>
    public override string ToString() => $"ResumableSession {Id} {(Connection is null ? "away" : "connected")}";

    /// <summary>How the server ended the session (<see cref="CloseAsync"/> or <see cref="FailAsync"/>); null while it
    /// goes on or when it ended otherwise.</summary>
    internal CloseStatus? EndStatus
    {
        get
        {
            lock (_gate)
            {
                return _endStatus;
            }
        }
    }

    /// <summary>Ends the session: cleanly (<paramref name="error"/> null) or with the reason it can no longer go on
    /// (then the current connection is aborted, unless <paramref name="abort"/> is false: the caller closes it).</summary>
    /// <returns>The connection that carried the session, if any.</returns>
    internal WebSocketConnection? End(Exception? error, bool abort = true)
    {
        ResumeAttachment? current;
        lock (_gate)
        {
            if (_isEnded)
            {
                return null;
            }

            _isEnded = true;
            current = _current;
            _current = null;
            _expiry?.Dispose();
            _expiry = null;
            _drained?.TrySetResult();
        }

        current?.AckTimer?.Dispose();
        if (error is not null && abort)
        {
            current?.Connection.Abort();
        }

        _ended(this);
        _inbound.TryComplete();
        if (error is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(error);
        }

        return current?.Connection;
    }

    private async Task WaitAllAcknowledgedAsync(CancellationToken cancellationToken)
    {
        Task drained;
        lock (_gate)
        {
            if (_isEnded || _stream.AllAcknowledged)
            {
                return;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }

        await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
