using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using System.Text;
using Microsoft.Extensions.Logging;
using RxSockets.Scaling;
using RxSockets.Topics;

namespace RxSockets.Messaging;

/// <summary>
/// The server's side of one <c>rxsockets.v1</c> connection (the README's "Messaging protocol"): reads the client's frames in
/// order, subscribes and unsubscribes it (one at a time, so a subscription's recovery ends before the next frame is
/// read), publishes and acknowledges its publications in the order sent, runs its requests concurrently (at most
/// <see cref="MessagingServerOptions.MaxPendingRequests"/>, each within
/// <see cref="MessagingServerOptions.RequestTimeout"/>), and carries the server's own requests to it. A malformed frame
/// closes the connection with 4002. Publications reach it as a topic member (<see cref="TopicMember.Protocol"/>).
/// </summary>
internal sealed class MessagingPeer : IDisposable
{
    /// <summary>A frame that breaks the protocol.</summary>
    public const CloseCode ViolationCode = (CloseCode)4002;

    /// <summary>Requests past the limit, sent on after being refused.</summary>
    public const CloseCode TooManyRequestsCode = (CloseCode)4008;

    private readonly TopicRegistry _registry;   // the server's topics
    private readonly WebSocketConnection _connection;
    private readonly MessagingServerSettings _options;
    private readonly IScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly PendingRequests _outbound;
    private readonly HashSet<string> _topics = new(StringComparer.Ordinal);   // the read loop's alone
    private readonly ConcurrentDictionary<long, byte> _handling = new();      // the client's requests being handled
    private readonly CancellationTokenSource _ended = new();
    private int _refused;   // requests refused for the limit since the last one accepted

    public MessagingPeer(TopicRegistry registry, WebSocketConnection connection, MessagingServerSettings options, IScheduler scheduler, ILogger logger)
    {
        _registry = registry;
        _connection = connection;
        _options = options;
        _scheduler = scheduler;
        _logger = logger;
        _outbound = new PendingRequests(options.MaxPendingRequests, options.RequestTimeout, scheduler);
    }

    /// <summary>The topics the client is subscribed to now (a snapshot).</summary>
    public int SubscriptionCount => _topics.Count;

    /// <summary>Serves the connection until it ends.</summary>
    public async Task RunAsync()
    {
        await Task.Yield();
        try
        {
            await foreach (var message in _connection.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (!ProtocolCodec.TryDecode(message, out var frame, out var error))
                {
                    Close(ViolationCode, error);
                    return;
                }

                if (!await HandleAsync(frame).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // Gone: its topics drop it by themselves.
        }
#pragma warning disable CA1031 // Nobody awaits the loop: a failure is logged and ends the connection, never lost.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.ObserverFaulted(_logger, _connection.Id, error);
            Close(CloseCode.InternalError, "internal error");
        }
        finally
        {
            await _ended.CancelAsync().ConfigureAwait(false);
            _outbound.FailAll(new ConnectionClosedException($"Connection #{_connection.Id} closed before the client replied."));
        }
    }

    /// <summary>Releases the end signal, once <see cref="RunAsync"/> has ended.</summary>
    public void Dispose() => _ended.Dispose();

    /// <summary>Sends the client a request and waits for its reply (<see cref="WebSocketServer.RequestAsync"/>).</summary>
    public async ValueTask<Message> RequestAsync(Message request, string? name, CancellationToken cancellationToken)
    {
        var (id, reply) = _outbound.Begin(cancellationToken);
        try
        {
            await _connection.SendAsync(ProtocolCodec.Encode(new ProtocolFrame(FrameKind.Request) { Id = id, Name = name, Payload = request }), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception error)
        {
            _outbound.Fail(id, error);
            throw;
        }

        return await reply.ConfigureAwait(false);
    }

    /// <returns>False when the connection is being closed for a violation.</returns>
    private async ValueTask<bool> HandleAsync(ProtocolFrame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Subscribe:
                await SubscribeAsync(frame).ConfigureAwait(false);
                return true;
            case FrameKind.Unsubscribe:
                if (_topics.Remove(frame.Topic!))
                {
                    _registry.GetOrAdd(frame.Topic!).Leave(_connection);
                }

                await SendAsync(new ProtocolFrame(FrameKind.Unsubscribed) { Id = frame.Id, Topic = frame.Topic }).ConfigureAwait(false);
                return true;
            case FrameKind.Publish:
                await PublishAsync(frame).ConfigureAwait(false);
                return true;
            case FrameKind.Request:
                return Request(frame);
            case FrameKind.Reply or FrameKind.Error:
                _outbound.TryComplete(frame);   // false for one that timed out: a late answer is dropped
                return true;
            default:
                Close(ViolationCode, $"a client does not send '{ProtocolCodec.WireName(frame.Kind)}' frames");
                return false;
        }
    }

    private async ValueTask SubscribeAsync(ProtocolFrame frame)
    {
        var name = frame.Topic!;
        if (_topics.Contains(name))
        {
            await FailAsync(frame.Id, MessagingErrorCodes.BadRequest, $"already subscribed to '{name}'").ConfigureAwait(false);
            return;
        }

        if (_topics.Count >= _options.MaxSubscriptions)
        {
            await FailAsync(frame.Id, MessagingErrorCodes.Limit, $"at most {_options.MaxSubscriptions} subscriptions per connection").ConfigureAwait(false);
            return;
        }

        if (!await AuthorizeAsync(_options.AuthorizeSubscribe, frame).ConfigureAwait(false))
        {
            return;
        }
        var topic = _registry.GetOrAdd(name);
        TopicJoinResult joined;
        try
        {
            // Live only: from where the topic stands. A node that has delivered nothing of it yet does not know that
            // position: ask the backplane, so that a later resubscription from it does not recover older history.
            var from = frame.Position;
            if (from is null && string.IsNullOrEmpty(topic.Position.Epoch))
            {
                from = await topic.GetPositionAsync(_ended.Token).ConfigureAwait(false);
            }
            joined = await topic.JoinMemberAsync(_connection, from, protocol: true, _ended.Token).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException error)
        {
            await FailAsync(frame.Id, MessagingErrorCodes.Unavailable, error.Message).ConfigureAwait(false);
            return;
        }

        if (!joined.Joined)
        {
            return;   // the connection is closing
        }

        _topics.Add(name);
        await SendAsync(new ProtocolFrame(FrameKind.Subscribed) { Id = frame.Id, Topic = name, Position = joined.Position, Recovered = joined.Recovered })
            .ConfigureAwait(false);
    }

    private async ValueTask PublishAsync(ProtocolFrame frame)
    {
        if (!await AuthorizeAsync(_options.AuthorizePublish, frame).ConfigureAwait(false))
        {
            return;
        }

        TopicPosition position;
        try
        {
            (_, position) = await _registry.GetOrAdd(frame.Topic!).PublishPositionAsync(frame.Payload!.Value, null, _ended.Token).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException error)
        {
            await FailAsync(frame.Id, MessagingErrorCodes.Unavailable, error.Message).ConfigureAwait(false);
            return;
        }
        catch (ObjectDisposedException)
        {
            await FailAsync(frame.Id, MessagingErrorCodes.Unavailable, "the server is stopping").ConfigureAwait(false);
            return;
        }

        await SendAsync(new ProtocolFrame(FrameKind.PublishAck) { Id = frame.Id, Topic = frame.Topic, Position = position }).ConfigureAwait(false);
    }

    /// <summary>Runs an authorization hook; answers the refusal itself.</summary>
    /// <returns>True when allowed.</returns>
    private async ValueTask<bool> AuthorizeAsync(Func<WebSocketConnection, string, CancellationToken, ValueTask<string?>>? hook, ProtocolFrame frame)
    {
        if (hook is null)
        {
            return true;
        }

        string? refusal;
        try
        {
            refusal = await hook(_connection, frame.Topic!, _ended.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A hook that throws refuses, with no details sent: the server logs it.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.RequestHandlerFailed(_logger, _connection.Id, frame.Kind == FrameKind.Subscribe ? "AuthorizeSubscribe" : "AuthorizePublish", error);
            await FailAsync(frame.Id, MessagingErrorCodes.Internal, null).ConfigureAwait(false);
            return false;
        }

        if (refusal is null)
        {
            return true;
        }

        await FailAsync(frame.Id, MessagingErrorCodes.Forbidden, refusal).ConfigureAwait(false);
        return false;
    }

    /// <returns>False when the connection is being closed (a duplicate id, or a client ignoring the limit).</returns>
    private bool Request(ProtocolFrame frame)
    {
        if (!_handling.TryAdd(frame.Id, 0))
        {
            Close(ViolationCode, $"request id {frame.Id} is already pending");
            return false;
        }

        if (_handling.Count > _options.MaxPendingRequests)
        {
            _handling.TryRemove(frame.Id, out _);
            if (++_refused > _options.MaxPendingRequests)
            {
                Close(TooManyRequestsCode, $"more than {_options.MaxPendingRequests} requests pending, sent on after 'limit' errors");
                return false;
            }

            _ = SendQuietlyAsync(Error(frame.Id, MessagingErrorCodes.Limit, $"at most {_options.MaxPendingRequests} requests may be pending"));
            return true;
        }

        _refused = 0;
        _ = AnswerAsync(frame);
        return true;
    }

    private async Task AnswerAsync(ProtocolFrame frame)
    {
        var name = frame.Name ?? "";
        using var activity = Diagnostics.RxSocketsActivity.StartRequest(System.Diagnostics.ActivityKind.Server, name, _connection.Id, _connection.Url.Port);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_ended.Token);
        using var timer = _scheduler.Schedule(_options.RequestTimeout, () =>
        {
            if (_handling.TryRemove(frame.Id, out _))
            {
                _ = SendQuietlyAsync(Error(frame.Id, MessagingErrorCodes.Timeout, $"no reply within {_options.RequestTimeout.TotalSeconds:0.###} s"));
                try
                {
                    cancel.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The handler ended meanwhile.
                }
            }
        });

        ProtocolFrame answer;
        try
        {
            await Task.Yield();   // never run a handler on the read loop
            answer = _options.RequestHandlers.TryGetValue(name, out var handler)
                ? new ProtocolFrame(FrameKind.Reply) { Id = frame.Id, Payload = await handler(_connection, name, frame.Payload!.Value, cancel.Token).ConfigureAwait(false) }
                : Error(frame.Id, MessagingErrorCodes.NotFound, $"no handler for requests named '{name}'");
        }
        catch (RequestFailedException refused)
        {
            answer = Error(frame.Id, refused.Code, refused.Reason);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Diagnostics.RxSocketsActivity.Fail(activity, _ended.IsCancellationRequested ? "connection_closed" : MessagingErrorCodes.Timeout, null);
            return;   // timed out (answered) or the connection ended
        }
#pragma warning disable CA1031 // A handler's failure is the client's 'internal' error, and the server's log entry.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.RequestHandlerFailed(_logger, _connection.Id, name, error);
            Diagnostics.RxSocketsActivity.Fail(activity, error);
            answer = Error(frame.Id, MessagingErrorCodes.Internal, null);
        }

        if (answer.Kind == FrameKind.Error && activity is not null && activity.Status != System.Diagnostics.ActivityStatusCode.Error)
        {
            Diagnostics.RxSocketsActivity.Fail(activity, answer.Code ?? MessagingErrorCodes.Internal, answer.Reason);
        }

        if (_handling.TryRemove(frame.Id, out _))
        {
            await SendQuietlyAsync(answer).ConfigureAwait(false);
        }
    }

    private static ProtocolFrame Error(long id, string code, string? reason) =>
        new(FrameKind.Error) { Id = id, Code = code, Reason = reason };

    private ValueTask FailAsync(long id, string code, string? reason) => SendAsync(Error(id, code, reason));

    private ValueTask SendAsync(ProtocolFrame frame) => _connection.SendAsync(ProtocolCodec.Encode(frame), CancellationToken.None);

    /// <summary>Sends from outside the read loop: a connection that ended meanwhile is not an error.</summary>
    private async Task SendQuietlyAsync(ProtocolFrame frame)
    {
        try
        {
            await SendAsync(frame).ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // The client is gone; it will not wait for the answer.
        }
    }

    private void Close(CloseCode code, string reason)
    {
        Diagnostics.Log.MessagingViolation(_logger, _connection.Id, reason, (int)code);
        var text = $"rxsockets.v1: {reason}";
        while (Encoding.UTF8.GetByteCount(text) > 123)
        {
            text = text[..^1];   // a close reason holds 123 bytes
        }

        _ = CloseQuietlyAsync(code, text);
    }

    private async Task CloseQuietlyAsync(CloseCode code, string reason)
    {
        try
        {
            await _connection.CloseAsync(code, reason).ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // Ended otherwise meanwhile.
        }
    }
}
