using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RxSockets.Connection;
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
internal sealed partial class ClientMessaging : IClientSessionLayer
{
    // This file: the session layer's contract (attach, dispatch of the server's frames, detach, dispose) and the loss of
    // a connection. The other parts: ClientMessaging.Topics.cs, .Requests.cs and .Outbox.cs.
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
            ThrowIfDisposed();
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

    private static void Violated(WebSocketConnection connection, string reason) =>
        connection.Driver.Fail(new CloseStatus((CloseCode)4002, "rxsockets.v1 protocol violation"),
            new ProtocolException((CloseCode)4002, $"rxsockets.v1 protocol violation by the server: {reason}."));

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

    /// <summary>Throws what the client's own members throw once it is disposed (the client disposes its messaging);
    /// named, not typed, as the client is the façade above this feature.</summary>
    private void ThrowIfDisposed()
    {
#pragma warning disable CA1513 // ThrowIf takes the disposed object's type, which this feature must not name: the client is the façade above it.
        if (_disposed)
        {
            throw new ObjectDisposedException(nameof(WebSocketClient));
        }
#pragma warning restore CA1513
    }
}
