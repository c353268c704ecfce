using System.Globalization;

namespace RxSockets.Tests.Support;

/// <summary>The client half of the chaos tests, a stand-in for the reconnecting client: reconnects after every drop,
/// sends "1" … count through the session layer and checks that it receives exactly "1" … count in order.</summary>
internal sealed class CountingClient(ResumeDriver driver, int count)
{
    private readonly TaskCompletionSource _receivedAll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;
    private int _sent;

    public int Received => Volatile.Read(ref _received);

    public string? Failure { get; private set; }

    /// <summary>Runs until both sides received everything; returns what each attach reported (resumed or fresh).</summary>
    public async Task<List<bool>> RunAsync(Task serverReceivedAll, CancellationToken cancellationToken)
    {
        var attaches = new List<bool>();
        var finished = Task.WhenAll(_receivedAll.Task, serverReceivedAll);
        while (true)
        {
            WebSocketConnection connection;
            try
            {
                (connection, var resumed) = await driver.ConnectAsync(cancellationToken);
                attaches.Add(resumed);
            }
            catch (Exception error) when (error is HandshakeException or ConnectionClosedException)
            {
                continue;   // the proxy broke the handshake or the hello: try again
            }

            var reading = ReadAsync(connection, cancellationToken);
            var writing = WriteAsync(connection, cancellationToken);
            await Task.WhenAny(reading, finished);
            if (finished.IsCompleted)
            {
                await connection.CloseAsync(cancellationToken: cancellationToken);
                await Task.WhenAll(reading, writing);
                await connection.DisposeAsync();
                return attaches;
            }

            await writing;
            driver.Layer.Detach();
            await connection.DisposeAsync();
        }
    }

    private async Task ReadAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var wire in connection.ReadAllAsync(cancellationToken))
            {
                if (!driver.Layer.TryUnwrapIncoming(wire, out var user))
                {
                    continue;
                }

                var expected = _received + 1;
                if (user.GetText() != expected.ToString(CultureInfo.InvariantCulture))
                {
                    Failure ??= $"client expected {expected}, received '{user.GetText()}'";
                    _receivedAll.TrySetResult();
                    return;
                }

                if (Interlocked.Increment(ref _received) == count)
                {
                    _receivedAll.TrySetResult();
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // Dropped: the loop reconnects and the session replays what is missing.
        }
    }

    private async Task WriteAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            while (_sent < count)
            {
                // Numbered and logged before the send: if the send fails, the resume replays it.
                var wire = driver.Layer.WrapOutgoing(Message.Text((_sent + 1).ToString(CultureInfo.InvariantCulture)));
                _sent++;
                await connection.SendAsync(wire, cancellationToken);
            }
        }
        catch (ConnectionClosedException)
        {
            // Dropped: what was numbered is in the replay log.
        }
    }
}
