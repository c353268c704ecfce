using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RxSockets.Reactive;

namespace RxSockets.Resumption;

/// <summary>
/// The server's resumable sessions: reads the hello of every connection that negotiated
/// <see cref="ResumeProtocol.Name"/>, continues the session it names when that is possible, and otherwise starts a
/// fresh one and publishes it. Remembers, for <see cref="ResumeOptions.SessionTimeout"/>, the sessions the server ended
/// (closed or failed), so that a client whose close was lost is told the end rather than resumed or started afresh.
/// Thread-safe.
/// </summary>
internal sealed class ResumeHost
{
    private readonly ConnectionOptions _options;   // the server's: each session's clock and inbound bounds
    private readonly ResumeOptions? _resume;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ResumableSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SessionEnd> _ended = new(StringComparer.Ordinal);
    private readonly Channel<ResumableSession> _started = Channel.CreateUnbounded<ResumableSession>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="resume">The server's <see cref="WebSocketServerOptions.Resume"/>; null when resumption is off.</param>
    /// <param name="options">The server's connection options (validated).</param>
    /// <param name="logger">The server's logger.</param>
    public ResumeHost(ResumeOptions? resume, ConnectionOptions options, ILogger logger)
    {
        _options = options;
        _resume = resume;
        _logger = logger;
        Sessions = new ChannelObservable<ResumableSession>(_started.Reader, _stopped.Task,
            error => Diagnostics.Log.ObserverFaulted(logger, 0, error), nameof(WebSocketServer.Sessions));
    }

    /// <summary>New sessions; completes when the server stops.</summary>
    public ChannelObservable<ResumableSession> Sessions { get; }

    /// <summary>Sessions alive now (connected or waiting for their client).</summary>
    public int Count => _sessions.Count;

    /// <summary>Whether <paramref name="connection"/> belongs here rather than in the server's plain connections.</summary>
    public bool Owns(WebSocketConnection connection) => _resume is not null && ResumeProtocol.IsSpokenBy(connection);

    /// <summary>Opens a connection that negotiated the resume protocol: reads its hello and attaches it to a session.</summary>
    public async Task AcceptAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            var first = await connection.Driver.Inbox.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!ResumeEnvelope.TryDecode(first, out var hello) || hello.Kind != ResumeFrameKind.Hello)
            {
                ResumeProtocol.Violated(connection, "the client's first message is not a hello");
                await connection.DisposeAsync().ConfigureAwait(false);
                return;
            }

            if (hello.SessionId.Length > 0 && _sessions.TryGetValue(hello.SessionId, out var existing))
            {
                if (await existing.AttachAsync(connection, hello.Sequence, hello.FirstRetained, fresh: false, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                if (existing.EndStatus is { } status)
                {
                    await TellEndAsync(connection, new SessionEnd(existing.Id, status, existing.LastReceived, null), cancellationToken).ConfigureAwait(false);
                    return;
                }
            }

            if (hello.SessionId.Length > 0 && _ended.TryGetValue(hello.SessionId, out var end))
            {
                await TellEndAsync(connection, end, cancellationToken).ConfigureAwait(false);
                return;
            }

            var session = new ResumableSession(NewId(), _options, _resume!, _logger, OnEnded);   // Owns() checked _resume
            _sessions[session.Id] = session;
            if (await session.AttachAsync(connection, 0, 1, fresh: true, cancellationToken).ConfigureAwait(false))
            {
                _started.Writer.TryWrite(session);
            }
        }
        catch (Exception error) when (error is ChannelClosedException or ConnectionClosedException or OperationCanceledException)
        {
            Diagnostics.Log.HandshakeFailed(_logger, connection.RemoteEndPoint, error);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The server stopped: ends every session and completes <see cref="Sessions"/>.</summary>
    public void Stop()
    {
        foreach (var session in _sessions.Values)
        {
            session.End(null);
        }

        foreach (var end in _ended.Values)
        {
            end.Forget?.Dispose();
        }

        _ended.Clear();

        _started.Writer.TryComplete();
        _stopped.TrySetResult();
    }

    /// <summary>Answers a hello that names a session the server ended: an "ended" welcome (v2 only; a v1 client has
    /// no words for it), then the close the session ended with.</summary>
    private static async Task TellEndAsync(WebSocketConnection connection, SessionEnd end, CancellationToken cancellationToken)
    {
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                if (ResumeProtocol.CanTellEnd(connection))
                {
                    await connection.SendAsync(ResumeEnvelope.Ended(end.Id, end.LastReceived, end.Status.Code), cancellationToken).ConfigureAwait(false);
                }

                await connection.CloseAsync(end.Status.Code, end.Status.Reason, cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionClosedException)
            {
                // Lost again: the client comes back and is told again, for as long as the end is remembered.
            }
        }
    }

    private void OnEnded(ResumableSession session)
    {
        // Remembered before it leaves _sessions: a hello read in between finds it in one or the other (AcceptAsync
        // looks in _sessions first), never in neither, which would hand that client a fresh session.
        if (session.EndStatus is { } status)
        {
            // Kept as long as a dropped session is waited for: a client later than that would have found it expired anyway.
            var id = session.Id;
            var forget = _options.Scheduler.Schedule(_resume!.SessionTimeout, () => _ended.TryRemove(id, out _));   // sessions exist only with _resume
            _ended[id] = new SessionEnd(id, status, session.LastReceived, forget);
        }

        _sessions.TryRemove(session.Id, out _);
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
