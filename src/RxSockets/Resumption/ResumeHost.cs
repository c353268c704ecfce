using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RxSockets.Reactive;

namespace RxSockets.Resumption;

/// <summary>
/// The server's resumable sessions: reads the hello of every connection that negotiated
/// <see cref="ResumeProtocol.Name"/>, continues the session it names when that is possible, and otherwise starts a
/// fresh one and publishes it. Thread-safe.
/// </summary>
internal sealed class ResumeHost
{
    private readonly WebSocketServerOptions _options;
    private readonly ResumeOptions? _resume;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ResumableSession> _sessions = new(StringComparer.Ordinal);
    private readonly Channel<ResumableSession> _started = Channel.CreateUnbounded<ResumableSession>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ResumeHost(WebSocketServerOptions options, ILogger logger)
    {
        _options = options;
        _resume = options.Resume;
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
            var first = await connection.Session.Inbound.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!ResumeEnvelope.TryDecode(first, out var hello) || hello.Kind != ResumeFrameKind.Hello)
            {
                ResumeProtocol.Violated(connection, "the client's first message is not a hello");
                await connection.DisposeAsync().ConfigureAwait(false);
                return;
            }

            if (hello.SessionId.Length > 0 && _sessions.TryGetValue(hello.SessionId, out var existing)
                && await existing.AttachAsync(connection, hello.Sequence, hello.FirstRetained, fresh: false, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var session = new ResumableSession(NewId(), _options, _resume!, _logger, ended => _sessions.TryRemove(ended.Id, out _));   // Owns() checked _resume
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

        _started.Writer.TryComplete();
        _stopped.TrySetResult();
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
