using System.Net.WebSockets;

namespace RxSockets.Bench.ClientWebSocketLoad;

/// <summary>Opens benchmark connections with <see cref="ClientWebSocket"/>.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class Connector
{
    /// <summary>Connects one client with keepalive off, so only benchmark traffic crosses the wire.</summary>
    /// <param name="url">The echo server.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>An open socket that the caller owns.</returns>
    public static async Task<ClientWebSocket> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            await socket.ConnectAsync(url, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects <paramref name="count"/> clients, at most <paramref name="parallelism"/> handshakes at a time.</summary>
    /// <param name="url">The echo server.</param>
    /// <param name="count">How many connections to open.</param>
    /// <param name="parallelism">Concurrent handshakes; keeps the server's listen backlog from overflowing.</param>
    /// <param name="cancellationToken">Cancels the remaining handshakes.</param>
    /// <returns>The open sockets; on failure every socket opened so far is disposed.</returns>
    public static async Task<ClientWebSocket[]> ConnectManyAsync(Uri url, int count, int parallelism, CancellationToken cancellationToken)
    {
        var sockets = new ClientWebSocket[count];
        try
        {
            await Parallel.ForAsync(
                0,
                count,
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                async (i, ct) => sockets[i] = await ConnectAsync(url, ct));
            return sockets;
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }

            throw;
        }
    }
}
