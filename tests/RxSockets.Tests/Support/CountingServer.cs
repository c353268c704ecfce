namespace RxSockets.Tests.Support;

/// <summary>The server half of the chaos tests: sends "1" … count on each session and checks that it receives
/// exactly "1" … count in order.</summary>
internal sealed class CountingServer(int count)
{
    private readonly TaskCompletionSource _receivedAll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;
    private int _sessions;

    public Task ReceivedAll => _receivedAll.Task;

    public int Received => Volatile.Read(ref _received);

    public int Sessions => Volatile.Read(ref _sessions);

    public string? Failure { get; private set; }

    public async Task ServeSessionsAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        var handlers = new List<Task>();
        await foreach (var session in server.AcceptAllSessionsAsync(cancellationToken))
        {
            Interlocked.Increment(ref _sessions);
            handlers.Add(ReceiveAsync(session, cancellationToken));
            handlers.Add(SendAsync(session, cancellationToken));
        }

        await Task.WhenAll(handlers);
    }

    /// <summary>Without resume: each plain connection gets "1" … count, then is closed with 1000.</summary>
    public static async Task ServePlainAsync(WebSocketServer server, int count, CancellationToken cancellationToken)
    {
        var handlers = new List<Task>();
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            handlers.Add(Task.Run(async () =>
            {
                await using (connection)
                {
                    try
                    {
                        for (var i = 1; i <= count; i++)
                        {
                            await connection.SendAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
                        }

                        await connection.CloseAsync(cancellationToken: cancellationToken);
                    }
                    catch (ConnectionClosedException)
                    {
                        // Dropped by the proxy: the client reconnects to a fresh counter.
                    }
                }
            }, cancellationToken));
        }

        await Task.WhenAll(handlers);
    }

    private async Task ReceiveAsync(ResumableSession session, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in session.ReadAllAsync(cancellationToken))
            {
                var expected = Received + 1;
                if (message.GetText() != expected.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    Fail($"server expected {expected}, received '{message.GetText()}'");
                    return;
                }

                if (Interlocked.Increment(ref _received) == count)
                {
                    _receivedAll.TrySetResult();
                }
            }
        }
        catch (Exception error) when (error is TimeoutException or ConnectionClosedException)
        {
            Fail($"the session ended: {error.Message}");
        }
    }

    private async Task SendAsync(ResumableSession session, CancellationToken cancellationToken)
    {
        try
        {
            for (var i = 1; i <= count; i++)
            {
                await session.SendAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            }
        }
        catch (ConnectionClosedException error)
        {
            Fail($"the session ended while sending: {error.Message}");
        }
    }

    private void Fail(string failure)
    {
        Failure ??= failure;
        _receivedAll.TrySetResult();
    }
}
