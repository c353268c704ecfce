using System.Collections.Concurrent;

namespace RxSockets.Messaging;

// Requests both ways: the client's publishes and requests (numbered, queued in call order, awaiting their answer), and
// the server's requests, answered by the mapped handlers.
internal sealed partial class ClientMessaging
{
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

    /// <summary>Registers a publish or request (its id, timeout and limit), queues it in call order and waits for its
    /// answer.</summary>
    private async ValueTask<Message> SendRequestAsync(Func<long, ProtocolFrame> frame, CancellationToken cancellationToken)
    {
        Task<Message> reply;
        lock (Gate)
        {
            ThrowIfDisposed();
            (var id, reply) = _requests.Begin(cancellationToken);
            var node = _outbound.AddLast(new Outbound(ProtocolCodec.Encode(frame(id)), id, reply, null));
            Wake();

            // Answered, timed out or cancelled: it leaves the queue (if still there) and the sent table.
            _ = reply.ContinueWith(_ => Forget(node), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return await reply.ConfigureAwait(false);
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

    private sealed class Mapping(
        ConcurrentDictionary<string, Func<Message, CancellationToken, ValueTask<Message>>> handlers,
        string name, Func<Message, CancellationToken, ValueTask<Message>> handler) : IDisposable
    {
        public void Dispose() => handlers.TryRemove(new KeyValuePair<string, Func<Message, CancellationToken, ValueTask<Message>>>(name, handler));
    }
}
