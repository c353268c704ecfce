using System.Globalization;

namespace RxSockets.Cli;

/// <summary><c>serve --count N [--rate R] [--resume]</c>: each client session receives the text messages "1" … "N"
/// (at most R per second, see <see cref="CounterPace"/>) and is then closed with 1000. With resume, a client that
/// resumes its session continues the count where it left off, and a session whose handler fails is ended with 1011
/// (<see cref="ResumableSession.FailAsync"/>), which a client that comes back is told.</summary>
internal static class CounterMode
{
    /// <summary>Fault injection for tests: with this environment variable set to K, every session's count fails after
    /// message K, as a broken handler would.</summary>
    public const string FailAfterVariable = "RXSOCKETS_COUNTER_FAIL_AFTER";

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
            catch (InvalidOperationException error)
            {
                // The injected failure (FailAfterVariable): the client is told, as a resumable session's would be.
                await Task.WhenAny(connection.CloseAsync(CloseCode.InternalError, CloseReason(error.Message))).ConfigureAwait(false);
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
        // What the client sends is not part of the count; reading it keeps its acknowledgements flowing.
        var draining = session.ReadAllAsync().GetAsyncEnumerator();
        var reading = DrainAsync(draining);
        try
        {
            if (!settings.Quiet)
            {
                await Console.Error.WriteLineAsync($"session {session.Id} started").ConfigureAwait(false);
            }

            await CountAsync(message => session.SendAsync(message), settings).ConfigureAwait(false);
            await session.CloseAsync(CloseCode.NormalClosure).ConfigureAwait(false);
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
#pragma warning disable CA1031 // Whatever broke the handler ends its session with 1011: the client must learn it, not resume for ever.
        catch (Exception error)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"session {session.Id} failed: {error.Message}").ConfigureAwait(false);
            await session.FailAsync(CloseReason($"session handler failed: {error.Message}")).ConfigureAwait(false);
        }
        finally
        {
            await reading.ConfigureAwait(false);
            await draining.DisposeAsync().ConfigureAwait(false);
            handlers.Exit();
        }
    }

    /// <summary>Reads until the session ends, however it ends (the handler reports that).</summary>
    private static async Task DrainAsync(IAsyncEnumerator<Message> messages)
    {
        try
        {
            while (await messages.MoveNextAsync().ConfigureAwait(false))
            {
            }
        }
        catch (Exception error) when (error is ConnectionClosedException or TimeoutException)
        {
        }
    }

    private static async Task CountAsync(Func<Message, ValueTask> send, ServeSettings settings)
    {
        var failAfter = long.TryParse(Environment.GetEnvironmentVariable(FailAfterVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : long.MaxValue;
        using var pace = settings.Rate > 0 ? new PeriodicTimer(CounterPace.Tick(settings.Rate)) : null;
        var start = TimeProvider.System.GetTimestamp();
        var sent = 0L;
        while (sent < settings.Count)
        {
            var due = pace is null ? settings.Count : CounterPace.Due(TimeProvider.System.GetElapsedTime(start), settings.Rate, settings.Count);
            while (sent < due)
            {
                if (sent == failAfter)
                {
                    throw new InvalidOperationException($"injected failure after message {failAfter} ({FailAfterVariable})");
                }

                sent++;
                await send(Message.Text(sent.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
            }

            if (sent < settings.Count && pace is not null)
            {
                await pace.WaitForNextTickAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Cuts <paramref name="text"/> to what a close frame's reason holds (123 UTF-8 bytes).</summary>
    private static string CloseReason(string text)
    {
        while (System.Text.Encoding.UTF8.GetByteCount(text) > 123)
        {
            text = text[..^(char.IsLowSurrogate(text[^1]) ? 2 : 1)];
        }

        return text;
    }
}
