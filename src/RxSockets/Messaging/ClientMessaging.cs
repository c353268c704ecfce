using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using RxSockets.Reactive;

namespace RxSockets.Messaging;

/// <summary>
/// The client's side of the messaging protocol <c>rxsockets.v1</c> (the README's "Messaging protocol"), as the session layer
/// of a reconnecting <see cref="WebSocketClient"/>: offers the subprotocol, subscribes every wanted topic again on each
/// connection (from its position), consumes every frame the server sends (publications to the topics, with
/// backpressure; answers to the requests; the server's own requests to the mapped handlers), and sends the client's
/// frames in call order from one loop per connection. Publishes and requests issued while disconnected wait, in order,
/// for the next connection within their timeout; those sent on a connection that is lost fail with
/// <see cref="ConnectionClosedException"/>.
/// </summary>
/// <remarks>Thread-safe. State shared with the <see cref="ClientTopic"/>s is guarded by <see cref="Gate"/>.</remarks>
internal sealed class ClientMessaging : IClientSessionLayer
{
    private static readonly string[] s_offered = [ProtocolCodec.SubProtocol];

    private readonly PendingRequests _requests;
    private readonly Func<DateTimeOffset> _now;
    private readonly Action<ClientEvent> _publish;
    private readonly ILogger _logger;
    private readonly Dictionary<string, ClientTopic> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<long, ClientTopic> _topicAnswers = [];   // sub/unsub ids awaiting subok/unsubok/err
    private readonly LinkedList<Outbound> _outbound = new();   // frames not yet handed to a connection, in call order
    private readonly Dictionary<long, Outbound> _sent = [];   // publishes and requests sent on the current connection
    private readonly ConcurrentDictionary<string, Func<Message, CancellationToken, ValueTask<Message>>> _handlers = new(StringComparer.Ordinal);
    private WebSocketConnection? _connection;
    private CancellationTokenSource? _connectionEnd;
    private TaskCompletionSource _wake = NewWake();
    private bool _disposed;

    public ClientMessaging(MessagingClientOptions options, int bufferCapacity, System.Reactive.Concurrency.IScheduler scheduler,
        Func<DateTimeOffset> now, Action<ClientEvent> publish, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _requests = new PendingRequests(options.MaxPendingRequests, options.RequestTimeout, scheduler);
        BufferCapacity = bufferCapacity;
        _now = now;
        _publish = publish;
        _logger = logger;
    }

    public IReadOnlyList<string> SubProtocols => s_offered;

    /// <summary>Guards the topics' subscription state and this layer's queues.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>The most publications buffered per topic enumeration.</summary>
    internal int BufferCapacity { get; }

    public ClientTopic Topic(string name)
    {
        CheckTopic(name, nameof(name));
        lock (Gate)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                topic = new ClientTopic(this, name);
                if (_disposed)
                {
                    topic.End();
                }

                _topics.Add(name, topic);
            }

            return topic;
        }
    }

    public async ValueTask<TopicPosition> PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        CheckTopic(topic, nameof(topic));
        var ack = await SendRequestAsync(id => new ProtocolFrame(FrameKind.Publish) { Id = id, Topic = topic, Payload = message }, cancellationToken).ConfigureAwait(false);
        return TopicPosition.TryParse(ack.GetText(), out var position)
            ? position
            : throw new InvalidOperationException("Unreachable: a puback always carries a position.");
    }

    public ValueTask<Message> RequestAsync(Message request, string? name, CancellationToken cancellationToken)
    {
        // Without a listener, no span and not one more async frame.
        return Diagnostics.RxSocketsActivity.IsListening
            ? TracedRequestAsync(request, name, cancellationToken)
            : SendRequestAsync(id => new ProtocolFrame(FrameKind.Request) { Id = id, Name = string.IsNullOrEmpty(name) ? null : name, Payload = request }, cancellationToken);
    }

    /// <summary>A request under its span <c>rxsockets.request</c> (started here, in an async method, so that it is the
    /// current activity of this call only, not of the caller's code after it): an error reply marks it failed with the
    /// protocol's error code as <c>error.type</c>.</summary>
    private async ValueTask<Message> TracedRequestAsync(Message request, string? name, CancellationToken cancellationToken)
    {
        using var activity = Diagnostics.RxSocketsActivity.StartRequest(System.Diagnostics.ActivityKind.Client, name);
        try
        {
            return await SendRequestAsync(id => new ProtocolFrame(FrameKind.Request) { Id = id, Name = string.IsNullOrEmpty(name) ? null : name, Payload = request }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException refused)
        {
            Diagnostics.RxSocketsActivity.Fail(activity, refused.Code, refused.Reason);
            throw;
        }
        catch (Exception error)
        {
            Diagnostics.RxSocketsActivity.Fail(activity, error);
            throw;
        }
    }

    public IDisposable MapRequest(string name, Func<Message, CancellationToken, ValueTask<Message>> handler)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_handlers.TryAdd(name, handler))
        {
            throw new InvalidOperationException($"A handler is mapped already for requests named '{name}'; dispose it first.");
        }

        return new Mapping(_handlers, name, handler);
    }

    public ValueTask<bool> AttachAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.SubProtocol != ProtocolCodec.SubProtocol)
        {
            throw new HandshakeException(
                $"The server does not speak {ProtocolCodec.SubProtocol} (it selected {(connection.SubProtocol is { } chosen ? $"the subprotocol '{chosen}'" : "no subprotocol")}): " +
                "WebSocketClientOptions.Messaging needs a server with messaging on.",
                101, null, null, isTransient: false);
        }

        var end = new CancellationTokenSource();
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(WebSocketClient));
            _connection = connection;
            _connectionEnd = end;

            // Every wanted topic subscribes again, from its position, before anything queued while disconnected.
            var first = _outbound.First;
            foreach (var topic in _topics.Values)
            {
                if (topic.Wanted)
                {
                    var subscribe = SubscribeFrame(topic, topic.RecoverFrom);
                    var item = new Outbound(ProtocolCodec.Encode(subscribe), 0, null, connection);
                    if (first is null)
                    {
                        _outbound.AddLast(item);
                    }
                    else
                    {
                        _outbound.AddBefore(first, item);
                    }
                }
            }
        }

        _ = connection.Completion.ContinueWith(ended => Ended(connection, ended.Exception?.InnerException), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _ = SendLoopAsync(connection, end.Token);
        return new(false);
    }

    public bool TryUnwrapIncoming(in Message wire, out Message user)
    {
        user = default;
        return false;   // every message is a protocol frame, consumed by ConsumeIncomingAsync
    }

    public async ValueTask<bool> ConsumeIncomingAsync(WebSocketConnection connection, Message wire, CancellationToken cancellationToken)
    {
        if (!ProtocolCodec.TryDecode(wire, out var frame, out var error))
        {
            Violated(connection, error);
            return true;
        }

        switch (frame.Kind)
        {
            case FrameKind.Publication:
                await OnPublicationAsync(frame, cancellationToken).ConfigureAwait(false);
                break;
            case FrameKind.Gap:
                OnGap(frame);
                break;
            case FrameKind.Subscribed or FrameKind.Unsubscribed:
                OnTopicAnswer(frame);
                break;
            case FrameKind.Error when OnTopicAnswer(frame):
                break;
            case FrameKind.Error or FrameKind.Reply:
                _requests.TryComplete(frame);
                break;
            case FrameKind.PublishAck:
                _requests.TryComplete(new ProtocolFrame(FrameKind.Reply) { Id = frame.Id, Payload = Message.Text(frame.Position!.Value.ToString()) });
                break;
            case FrameKind.Request:
                _ = AnswerAsync(connection, frame);
                break;
            default:
                Violated(connection, $"the server sent a '{ProtocolCodec.WireName(frame.Kind)}' frame, which only a client sends");
                break;
        }

        return true;
    }

    public Message WrapOutgoing(in Message user) =>
        throw new InvalidOperationException(RawSendRefusal);

    public void Detach()
    {
        WebSocketConnection? connection;
        lock (Gate)
        {
            connection = _connection;
        }

        if (connection is not null)
        {
            Ended(connection, null);
        }
    }

    /// <summary>Why raw sends are refused with messaging on.</summary>
    internal const string RawSendRefusal =
        "With WebSocketClientOptions.Messaging set, every message is a frame of the messaging protocol: use PublishAsync, RequestAsync or Topic(name) instead of SendAsync, Outgoing or Incoming.";

    /// <summary>The client is disposed: requests fail, topics complete, nothing more is sent.</summary>
    public void Dispose()
    {
        ClientTopic[] topics;
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _outbound.Clear();
            topics = [.. _topics.Values];
        }

        _requests.FailAll(new ObjectDisposedException(nameof(WebSocketClient), "The client was disposed before the answer."));
        foreach (var topic in topics)
        {
            ClientTopic.Sink[] sinks;
            lock (Gate)
            {
                topic.End();
                sinks = topic.TakeAll();
            }

            ClientTopic.Terminate(sinks, null);
            topic.CompleteGaps();
        }
    }

    internal void OnObserverFault(Exception error) => Diagnostics.ClientLog.ObserverFaulted(_logger, error);

    /// <summary>A topic's first observer arrived: subscribe it live now if connected (else on the next connection).
    /// Called under <see cref="Gate"/>.</summary>
    internal void Wanted(ClientTopic topic)
    {
        if (_connection is { } connection && topic.State is SubscriptionState.None or SubscriptionState.Unsubscribing)
        {
            _outbound.AddLast(new Outbound(ProtocolCodec.Encode(SubscribeFrame(topic, null)), 0, null, connection));
            Wake();
        }
    }

    /// <summary>A topic's last observer left: unsubscribe it if subscribed. Called under <see cref="Gate"/>.</summary>
    internal void Unwanted(ClientTopic topic)
    {
        if (_connection is { } connection && topic.State is SubscriptionState.Subscribing or SubscriptionState.Subscribed)
        {
            var id = _requests.NextId();
            topic.State = SubscriptionState.Unsubscribing;
            topic.PendingId = id;
            _topicAnswers[id] = topic;
            _outbound.AddLast(new Outbound(ProtocolCodec.Encode(new ProtocolFrame(FrameKind.Unsubscribe) { Id = id, Topic = topic.Name }), 0, null, connection));
            Wake();
        }
    }

    private static void CheckTopic(string name, string parameter)
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > ProtocolCodec.MaxTopicBytes)
        {
            throw new ArgumentException($"A topic name is 1 to {ProtocolCodec.MaxTopicBytes} UTF-8 bytes.", parameter);
        }
    }

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Violated(WebSocketConnection connection, string reason) =>
        connection.Driver.Fail(new CloseStatus((CloseCode)4002, "rxsockets.v1 protocol violation"),
            new ProtocolException((CloseCode)4002, $"rxsockets.v1 protocol violation by the server: {reason}."));

    private static TopicGapReason GapReason(string? reason) => reason switch
    {
        "trimmed" => TopicGapReason.HistoryTrimmed,
        "epoch" => TopicGapReason.EpochChanged,
        _ => TopicGapReason.BackplaneLost,
    };

    /// <summary>A <c>sub</c> for the topic (registered as its pending answer). Called under <see cref="Gate"/>.</summary>
    private ProtocolFrame SubscribeFrame(ClientTopic topic, TopicPosition? from)
    {
        var id = _requests.NextId();
        topic.State = SubscriptionState.Subscribing;
        topic.PendingId = id;
        _topicAnswers[id] = topic;
        return new ProtocolFrame(FrameKind.Subscribe) { Id = id, Topic = topic.Name, Position = from };
    }

    /// <summary>Registers a publish or request (its id, timeout and limit), queues it in call order and waits for its
    /// answer.</summary>
    private async ValueTask<Message> SendRequestAsync(Func<long, ProtocolFrame> frame, CancellationToken cancellationToken)
    {
        Task<Message> reply;
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(WebSocketClient));
            (var id, reply) = _requests.Begin(cancellationToken);
            var node = _outbound.AddLast(new Outbound(ProtocolCodec.Encode(frame(id)), id, reply, null));
            Wake();

            // Answered, timed out or cancelled: it leaves the queue (if still there) and the sent table.
            _ = reply.ContinueWith(_ => Forget(node), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return await reply.ConfigureAwait(false);
    }

    private void Forget(LinkedListNode<Outbound> node)
    {
        lock (Gate)
        {
            if (node.List is not null)
            {
                _outbound.Remove(node);
            }

            if (_sent.TryGetValue(node.Value.Id, out var sent) && ReferenceEquals(sent, node.Value))
            {
                _sent.Remove(node.Value.Id);
            }
        }
    }

    private void Wake() => _wake.TrySetResult();

    /// <summary>Sends the queued frames, in order, to one connection until it ends.</summary>
    private async Task SendLoopAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Outbound? item = null;
                Task wake;
                lock (Gate)
                {
                    if (!ReferenceEquals(_connection, connection))
                    {
                        return;
                    }

                    while (_outbound.First is { } first)
                    {
                        _outbound.RemoveFirst();
                        var candidate = first.Value;
                        if (candidate.Connection is { } bound && !ReferenceEquals(bound, connection))
                        {
                            continue;   // belonged to an earlier connection
                        }

                        if (candidate.Reply is { IsCompleted: true })
                        {
                            continue;   // timed out or cancelled while queued
                        }

                        item = candidate;
                        if (item.Reply is not null)
                        {
                            _sent[item.Id] = item;
                        }

                        break;
                    }

                    if (item is null)
                    {
                        if (_wake.Task.IsCompleted)
                        {
                            _wake = NewWake();
                        }

                        wake = _wake.Task;
                    }
                    else
                    {
                        wake = Task.CompletedTask;
                    }
                }

                if (item is null)
                {
                    await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await connection.SendAsync(item.Wire, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is ConnectionClosedException or OperationCanceledException)
        {
            // The connection ended: what was sent on it fails in Ended; what was not waits for the next one.
        }
    }

    /// <summary>The connection is gone: its sent requests fail, its own frames are dropped, topics subscribe again on
    /// the next one. Idempotent.</summary>
    private void Ended(WebSocketConnection connection, Exception? cause)
    {
        Outbound[] sent;
        CancellationTokenSource? end;
        lock (Gate)
        {
            if (!ReferenceEquals(_connection, connection))
            {
                return;
            }

            _connection = null;
            end = _connectionEnd;
            _connectionEnd = null;
            sent = [.. _sent.Values];
            _sent.Clear();
            _topicAnswers.Clear();
            foreach (var topic in _topics.Values)
            {
                topic.State = SubscriptionState.None;
            }

            for (var node = _outbound.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Connection is not null)
                {
                    _outbound.Remove(node);
                }

                node = next;
            }

            Wake();
        }

        // Cancelled, not disposed: handlers still running may read or register on its token.
        end?.Cancel();
        var closed = cause as ConnectionClosedException;
        foreach (var item in sent)
        {
            _requests.Fail(item.Id, new ConnectionClosedException(
                "The connection was lost before the answer; the server may or may not have processed it.",
                closed?.Sent ?? connection.Driver.SentClose, closed?.Received ?? connection.CloseStatus, cause));
        }
    }

    private async ValueTask OnPublicationAsync(ProtocolFrame frame, CancellationToken cancellationToken)
    {
        ClientTopic.Sink[]? sinks = null;
        ClientTopic? topic;
        lock (Gate)
        {
            if (_topics.TryGetValue(frame.Topic!, out topic))
            {
                sinks = topic.Accept(frame.Position!.Value);
            }
        }

        if (sinks is not null)
        {
            await topic!.DeliverAsync(sinks, frame.Payload ?? Message.Text(""), cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnGap(ProtocolFrame frame)
    {
        ClientTopicGap gap;
        ClientTopic? topic;
        lock (Gate)
        {
            if (!_topics.TryGetValue(frame.Topic!, out topic) || !topic.Wanted)
            {
                return;
            }

            gap = new ClientTopicGap(_now(), topic.Name, frame.Position!.Value, frame.Current!.Value, GapReason(frame.Reason));
            topic.Stand(gap.CurrentPosition);
        }

        topic.ReportGap(gap);
        _publish(gap);
    }

    /// <summary>A <c>subok</c>, <c>unsubok</c> or <c>err</c> answering a topic's <c>sub</c> or <c>unsub</c>.</summary>
    /// <returns>False when the id is no topic's (an <c>err</c> answering a request).</returns>
    private bool OnTopicAnswer(ProtocolFrame frame)
    {
        ClientTopic.Sink[] refused;
        lock (Gate)
        {
            if (!_topicAnswers.Remove(frame.Id, out var topic))
            {
                return frame.Kind != FrameKind.Error;
            }

            if (topic.PendingId != frame.Id)
            {
                return true;   // superseded by a later sub or unsub of the topic
            }

            switch (frame.Kind, topic.State)
            {
                case (FrameKind.Subscribed, SubscriptionState.Subscribing):
                    topic.State = SubscriptionState.Subscribed;
                    topic.Stand(frame.Position!.Value);
                    return true;
                case (FrameKind.Error, SubscriptionState.Subscribing):
                    topic.State = SubscriptionState.None;
                    refused = topic.TakeAll();
                    break;
                case (FrameKind.Unsubscribed or FrameKind.Error, SubscriptionState.Unsubscribing):
                    topic.State = SubscriptionState.None;
                    return true;
                default:
                    return true;
            }
        }

        ClientTopic.Terminate(refused, new RequestFailedException(frame.Code!, frame.Reason));
        return true;
    }

    /// <summary>Answers a server's request with the mapped handler (off the read loop: a slow handler does not hold
    /// the publications back).</summary>
    private async Task AnswerAsync(WebSocketConnection connection, ProtocolFrame request)
    {
        await Task.Yield();
        CancellationToken cancellationToken;
        lock (Gate)
        {
            if (!ReferenceEquals(_connection, connection) || _connectionEnd is null)
            {
                return;
            }

            cancellationToken = _connectionEnd.Token;
        }

        var name = request.Name ?? "";
        ProtocolFrame answer;
        if (!_handlers.TryGetValue(name, out var handler))
        {
            answer = new ProtocolFrame(FrameKind.Error) { Id = request.Id, Code = MessagingErrorCodes.NotFound, Reason = $"no handler for requests named '{name}'" };
        }
        else
        {
            try
            {
                var reply = await handler(request.Payload ?? Message.Text(""), cancellationToken).ConfigureAwait(false);
                answer = new ProtocolFrame(FrameKind.Reply) { Id = request.Id, Payload = reply };
            }
            catch (RequestFailedException refused)
            {
                answer = new ProtocolFrame(FrameKind.Error) { Id = request.Id, Code = refused.Code, Reason = refused.Reason };
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;   // the connection is gone: nobody awaits the answer
            }
#pragma warning disable CA1031 // A handler's failure is answered 'internal' (no details leak) and logged, never thrown.
            catch (Exception error)
#pragma warning restore CA1031
            {
                Diagnostics.ClientLog.RequestHandlerFailed(_logger, name, error);
                answer = new ProtocolFrame(FrameKind.Error) { Id = request.Id, Code = MessagingErrorCodes.Internal };
            }
        }

        lock (Gate)
        {
            if (ReferenceEquals(_connection, connection))
            {
                _outbound.AddLast(new Outbound(ProtocolCodec.Encode(answer), 0, null, connection));
                Wake();
            }
        }
    }

    /// <summary>A frame waiting to be sent: a publish or request (<see cref="Reply"/> set, kept across connections until
    /// answered), or a frame of one connection only (<see cref="Connection"/> set: a sub, unsub or answer).</summary>
    private sealed record Outbound(Message Wire, long Id, Task<Message>? Reply, WebSocketConnection? Connection);

    private sealed class Mapping(
        ConcurrentDictionary<string, Func<Message, CancellationToken, ValueTask<Message>>> handlers,
        string name, Func<Message, CancellationToken, ValueTask<Message>> handler) : IDisposable
    {
        public void Dispose() => handlers.TryRemove(new KeyValuePair<string, Func<Message, CancellationToken, ValueTask<Message>>>(name, handler));
    }
}
