using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace RxSockets.Bench.ScaleOutLoad;

/// <summary>
/// The lean WebSocket client side the load generator needs (it shares the machine with the servers, so it spends as
/// little CPU as it can): a TCP socket, the opening handshake, and masked frames for the little it sends. Receiving is
/// <see cref="Subscriber"/>'s frame parser over whole socket reads, so one read of many small messages costs one call.
/// </summary>
internal static class RawWebSocket
{
    /// <summary>Connects and completes the opening handshake.</summary>
    /// <param name="url">A <c>ws://</c> URL on an IP address.</param>
    /// <param name="buffer">Receives the bytes read past the handshake response (frames that came with it).</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The socket and the number of such bytes at the start of <paramref name="buffer"/>.</returns>
    public static async Task<(Socket Socket, int Leftover)> ConnectAsync(Uri url, byte[] buffer, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Parse(url.Host), url.Port, cancellationToken);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken);

            var length = 0;
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    throw new IOException("the server closed the connection during the handshake");
                }

                length += read;
                var end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    if (length == buffer.Length)
                    {
                        throw new IOException("handshake response too long");
                    }

                    continue;
                }

                if (!buffer.AsSpan().StartsWith("HTTP/1.1 101"u8))
                {
                    throw new IOException($"handshake refused: {Encoding.ASCII.GetString(buffer, 0, Math.Min(end, 200))}");
                }

                end += 4;
                buffer.AsSpan(end, length - end).CopyTo(buffer);
                return (socket, length - end);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A masked client frame (FIN set).</summary>
    /// <param name="opcode">1 text, 2 binary, 8 close, 10 pong.</param>
    /// <param name="payload">The payload (at most 65,535 bytes).</param>
    public static byte[] Frame(int opcode, ReadOnlySpan<byte> payload)
    {
        var header = payload.Length < 126 ? 2 : 4;
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), checked((ushort)payload.Length));
        }

        var mask = frame.AsSpan(header, 4);
        RandomNumberGenerator.Fill(mask);
        var body = frame.AsSpan(header + 4);
        for (var i = 0; i < payload.Length; i++)
        {
            body[i] = (byte)(payload[i] ^ mask[i & 3]);
        }

        return frame;
    }
}
