using System.Net.Sockets;

namespace RxSockets.Examples;

/// <summary>Turn connection failures into clear messages: an unreachable host, or a server that refuses the upgrade.</summary>
public static class ErrorHandlingExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null uses a loopback port where nothing listens.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    /// <returns>True when the connection succeeded.</returns>
    public static async Task<bool> RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        url ??= new Uri($"ws://127.0.0.1:{ExampleTarget.UnusedLoopbackPort()}/");
        output.WriteLine($"Connecting to {url}");
        try
        {
            await using var connection = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
            output.WriteLine("Connected");

            // After the handshake, failures arrive on Completion (and as OnError on Incoming).
            await connection.CloseAsync(cancellationToken: cancellationToken);
            await connection.Completion;
            return true;
        }
        catch (SocketException error)
        {
            output.WriteLine($"Cannot reach {url.Host}:{url.Port}: {error.SocketErrorCode} ({error.Message})");
        }
        catch (HandshakeException error) when (error.StatusCode is { } status)
        {
            output.WriteLine($"The server refused the upgrade: HTTP {status} (retrying {(error.IsTransient ? "may" : "will not")} help)");
        }
        catch (HandshakeException error)
        {
            output.WriteLine($"Handshake failed: {error.Message}");
        }
        catch (ConnectionClosedException error)
        {
            output.WriteLine($"Connection lost: {error.Code} ({error.Message})");
        }

        return false;
    }
}
