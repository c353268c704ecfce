using System.Globalization;

namespace RxSockets.Cli;

/// <summary><c>serve --count N [--rate R] [--resume]</c>: each client session receives the text messages "1" … "N"
/// (at most R per second, paced by a <see cref="PeriodicTimer"/>) and is then closed with 1000. With resume, a client
/// that resumes its session continues the count where it left off.</summary>
internal static class CounterMode
{
    /// <summary>Counts to a plain connection, then closes it with 1000.</summary>
    public static async Task CountAsync(WebSocketConnection connection, ServeSettings settings)
    {
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                await CountAsync(message => connection.SendAsync(message), settings).ConfigureAwait(false);
                await connection.CloseAsync(CloseCode.NormalClosure).ConfigureAwait(false);
            }
            catch (ConnectionClosedException)
            {
                // The client went away: a plain connection's count ends with it.
            }
        }
    }

    /// <summary>Serves every resumable session until the server stops.</summary>
    public static async Task AcceptSessionsAsync(WebSocketServer server, ServeSettings settings, RunningHandlers handlers)
    {
        await foreach (var session in server.AcceptAllSessionsAsync().ConfigureAwait(false))
        {
            handlers.Enter();
            _ = HandleSessionAsync(session, settings, handlers);
        }
    }

    private static async Task HandleSessionAsync(ResumableSession session, ServeSettings settings, RunningHandlers handlers)
    {
        try
        {
            if (!settings.Quiet)
            {
                await Console.Error.WriteLineAsync($"session {session.Id} started").ConfigureAwait(false);
            }

            // What the client sends is not part of the count; reading it keeps its acknowledgements flowing.
            var draining = session.ReadAllAsync().GetAsyncEnumerator();
            var reading = DrainAsync(draining);
            await CountAsync(message => session.SendAsync(message), settings).ConfigureAwait(false);
            await session.CloseAsync(CloseCode.NormalClosure).ConfigureAwait(false);
            await reading.ConfigureAwait(false);
            await draining.DisposeAsync().ConfigureAwait(false);
            if (!settings.Quiet)
            {
                await Console.Error.WriteLineAsync($"session {session.Id} completed after {session.ResumeCount} resume(s)").ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is ConnectionClosedException or TimeoutException)
        {
            if (!settings.Quiet)
            {
                await Console.Error.WriteLineAsync($"session {session.Id} ended: {error.Message}").ConfigureAwait(false);
            }
        }
        finally
        {
            handlers.Exit();
        }
    }

    private static async Task DrainAsync(IAsyncEnumerator<Message> messages)
    {
        while (await messages.MoveNextAsync().ConfigureAwait(false))
        {
        }
    }

    private static async Task CountAsync(Func<Message, ValueTask> send, ServeSettings settings)
    {
        using var pace = settings.Rate > 0 ? new PeriodicTimer(TimeSpan.FromSeconds(1 / settings.Rate)) : null;
        for (var i = 1L; i <= settings.Count; i++)
        {
            if (pace is not null && i > 1)
            {
                await pace.WaitForNextTickAsync().ConfigureAwait(false);
            }

            await send(Message.Text(i.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
        }
    }
}
