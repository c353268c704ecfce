using System.Net.Sockets;

namespace RxSockets.Examples;

/// <summary>Retry a failed connection attempt with exponential backoff. (The reconnecting <c>WebSocketClient</c>
/// will do this for you, with Polly; this is the idea in a dozen lines.)</summary>
public static class RetryExample
{
    /// <summary>The delay before the second attempt; it doubles after every failure.</summary>
    public static readonly TimeSpan InitialDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay between attempts.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>The most attempts before giving up.</summary>
    public const int MaxAttempts = 6;

    /// <summary>Runs the example with real delays.</summary>
    /// <inheritdoc cref="RunAsync(Uri?, TextWriter, Func{TimeSpan, CancellationToken, Task}, CancellationToken)"/>
    public static Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(url, output, Task.Delay, cancellationToken);

    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null reserves a loopback port and starts an echo server there only after the
    /// second failed attempt, so the retries show.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="delay">Waits between attempts (tests pass one that does not really wait).</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, Func<TimeSpan, CancellationToken, Task> delay,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(delay);
        EchoServer? lateServer = null;
        if (url is null)
        {
            var port = ExampleTarget.UnusedLoopbackPort();
            url = new Uri($"ws://127.0.0.1:{port}/");
            output.WriteLine($"No URL given: an echo server will start on {url} after the second failed attempt");
            var waits = 0;
            var realDelay = delay;
            delay = async (wait, token) =>
            {
                await realDelay(wait, token);
                if (++waits == 2)
                {
                    lateServer = await EchoServer.StartAsync(new WebSocketServerOptions { Port = port }, output, token);
                }
            };
        }

        try
        {
            await using var connection = await ConnectWithRetryAsync(url, output, delay, cancellationToken);
            await connection.SendAsync("hello after retrying", cancellationToken);
            await foreach (var reply in connection.ReadAllAsync(cancellationToken))
            {
                output.WriteLine($"Received: {reply.GetText()}");
                break;
            }

            await connection.CloseAsync(cancellationToken: cancellationToken);
        }
        finally
        {
            if (lateServer is not null)
            {
                await lateServer.DisposeAsync();
            }
        }
    }

    /// <summary>Connects, retrying transient failures (refused, unreachable, timed out, 5xx) with exponential backoff.</summary>
    /// <param name="url">The server.</param>
    /// <param name="output">Where to report attempts.</param>
    /// <param name="delay">Waits between attempts.</param>
    /// <param name="cancellationToken">Stops retrying.</param>
    /// <returns>The open connection.</returns>
    public static async Task<WebSocketConnection> ConnectWithRetryAsync(Uri url, TextWriter output,
        Func<TimeSpan, CancellationToken, Task> delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(delay);
        var wait = InitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var connection = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
                output.WriteLine($"Attempt {attempt}: connected");
                return connection;
            }
            catch (Exception error) when (attempt < MaxAttempts && IsTransient(error))
            {
                output.WriteLine($"Attempt {attempt} failed ({error.Message}); retrying in {wait.TotalMilliseconds} ms");
                await delay(wait, cancellationToken);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    private static bool IsTransient(Exception error) =>
        error is SocketException || error is HandshakeException { IsTransient: true };
}
