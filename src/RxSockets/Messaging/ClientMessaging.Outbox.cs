namespace RxSockets.Messaging;

// The outbox: frames waiting for a connection, in call order, and the loop that sends them on one connection.
internal sealed partial class ClientMessaging
{
    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    /// <summary>A frame waiting to be sent: a publish or request (<see cref="Reply"/> set, kept across connections until
    /// answered), or a frame of one connection only (<see cref="Connection"/> set: a sub, unsub or answer).</summary>
    private sealed record Outbound(Message Wire, long Id, Task<Message>? Reply, WebSocketConnection? Connection);
}
