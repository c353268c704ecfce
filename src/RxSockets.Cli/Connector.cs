using System.Net.Sockets;
using System.Security.Authentication;

namespace RxSockets.Cli;

/// <summary>Connects for the client commands and turns a failure into one <c>error:</c> line on stderr.</summary>
internal static class Connector
{
    /// <summary>Connects, or prints why not and returns null.</summary>
    public static async Task<WebSocketConnection?> TryConnectAsync(Uri url, WebSocketClientOptions options)
    {
        string problem;
        try
        {
            return await WebSocketConnection.ConnectAsync(url, options).ConfigureAwait(false);
        }
        catch (HandshakeException error)
        {
            // "WebSocket handshake rejected: HTTP 401 Unauthorized" -> "handshake rejected: HTTP 401 Unauthorized".
            const string Prefix = "WebSocket ";
            problem = error.Message.StartsWith(Prefix, StringComparison.Ordinal) ? error.Message[Prefix.Length..] : error.Message;
        }
        catch (SocketException error)
        {
            var via = options.Proxy is System.Net.WebProxy { Address: { } proxy } ? $" through the proxy {proxy.Authority}" : "";
            problem = $"cannot connect to {url.Host}:{url.Port}{via}: {error.Message}";
        }
        catch (ArgumentException error)
        {
            throw new UsageException(error.Message, error);
        }
        catch (Exception error) when (error is IOException or AuthenticationException or NotSupportedException)
        {
            problem = $"cannot connect to {url}: {error.Message}";
        }

        await Console.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Runs a client session: waits until the peer ends it or one of <paramref name="stops"/> completes (then closes
    /// with 1000), waits for <paramref name="consuming"/> to drain, disposes the connection and returns the exit code.
    /// </summary>
    public static async Task<int> RunUntilEndAsync(WebSocketConnection connection, Task consuming, params Task[] stops)
    {
        await using (connection.ConfigureAwait(false))
        {
            var first = await Task.WhenAny([connection.Completion, consuming, .. stops]).ConfigureAwait(false);
            var closedByUs = stops.Contains(first) && connection.State == ConnectionState.Open;
            if (closedByUs)
            {
                await CloseNormallyAsync(connection).ConfigureAwait(false);
            }

            await consuming.ConfigureAwait(false);
            return await ReportEndAsync(connection, closedByUs).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the connection to end, prints <c>closed CODE REASON</c> (or the error) to stderr and returns the
    /// exit code: success when we closed it, or when the peer closed cleanly with 1000 or 1001.
    /// </summary>
    public static async Task<int> ReportEndAsync(WebSocketConnection connection, bool closedByUs)
    {
        try
        {
            await connection.Completion.ConfigureAwait(false);
        }
        catch (ConnectionClosedException error)
        {
            await Console.Error.WriteLineAsync($"error: connection lost: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var status = connection.CloseStatus;
        var code = status?.Code ?? CloseCode.NoStatusReceived;
        await Console.Error.WriteLineAsync($"closed {(int)code} {status?.Reason}".TrimEnd()).ConfigureAwait(false);
        return closedByUs || code is CloseCode.NormalClosure or CloseCode.GoingAway ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>Starts the close handshake with 1000 and waits for it; an abnormal end shows in <see cref="ReportEndAsync"/>.</summary>
    public static async Task CloseNormallyAsync(WebSocketConnection connection)
    {
        try
        {
            await connection.CloseAsync(CloseCode.NormalClosure).ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // Reported by ReportEndAsync from Completion.
        }
    }
}
