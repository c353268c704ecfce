using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using RxSockets.Transport;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Transport;

/// <summary>A connection that negotiated permessage-deflate, over an in-memory pipe, against a raw peer.</summary>
public class DeflateSessionTests
{
    private static readonly byte[] s_compressible = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("all work and no play. ", 500)));

    [Test, CancelAfter(5_000)]
    public async Task SendAsync_LargeMessage_LeavesCompressedWithRsvOne(CancellationToken cancellationToken)
    {
        var (connection, remote) = Open(ConnectionRole.Server, threshold: 1024);
        await using var _ = connection;

        await connection.SendAsync(Message.Binary(s_compressible), cancellationToken);
        await connection.SendAsync("small", cancellationToken);
        var large = await ReadFrameAsync(remote.Input, cancellationToken);
        var small = await ReadFrameAsync(remote.Input, cancellationToken);

        Assert.That(large.Header.Rsv1, Is.True);
        Assert.That(large.Payload.Length, Is.LessThan(s_compressible.Length / 10));
        Assert.That(Inflate(large.Payload), Is.EqualTo(s_compressible));
        Assert.That(small.Header.Rsv1, Is.False);
        Assert.That(Encoding.UTF8.GetString(small.Payload), Is.EqualTo("small"));
        connection.Abort();
    }

    [TestCase(ConnectionRole.Server), TestCase(ConnectionRole.Client), CancelAfter(5_000)]
    public async Task SendAsync_MessageWithoutCompression_LeavesWithRsvOneClearAndTheNextIsCompressed(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, remote) = Open(role, threshold: 0);
        await using var _ = connection;

        await connection.SendAsync(Message.Binary(s_compressible).WithoutCompression(), cancellationToken);
        await connection.SendAsync(Message.Binary(s_compressible), cancellationToken);
        var plain = await ReadFrameAsync(remote.Input, cancellationToken);
        var compressed = await ReadFrameAsync(remote.Input, cancellationToken);

        Assert.That(plain.Header.Rsv1, Is.False);
        Assert.That(plain.Payload, Is.EqualTo(s_compressible));
        Assert.That(compressed.Header.Rsv1, Is.True);
        Assert.That(Inflate(compressed.Payload), Is.EqualTo(s_compressible));
        connection.Abort();
    }

    [Test]
    public void PreparedFrame_MessageWithoutCompression_IsNotCompressedForADeflateRecipient()
    {
        var settings = new DeflateSettings("permessage-deflate", false, false, 0, CompressionLevel.Optimal);

        var bytes = PreparedFrame.Create(Message.Binary(s_compressible).WithoutCompression(), fragmentSize: 0).GetBytes(settings, out var compressed);
        var usual = PreparedFrame.Create(Message.Binary(s_compressible), fragmentSize: 0).GetBytes(settings, out var usualCompressed);

        Assert.That(compressed, Is.False);
        Assert.That(bytes.Span[0] & 0x40, Is.Zero, "RSV1");
        Assert.That(usualCompressed, Is.True);
        Assert.That(usual.Span[0] & 0x40, Is.Not.Zero, "RSV1");
    }

    [Test, CancelAfter(5_000)]
    public async Task Read_CompressedMessage_DeliversItInflated(CancellationToken cancellationToken)
    {
        var (connection, remote) = Open(ConnectionRole.Client, threshold: 1024);
        await using var _ = connection;

        remote.Output.Write(ClientFrame.Unmasked(Opcode.Binary, Deflate(s_compressible), rsv: 4));
        await remote.Output.FlushAsync(cancellationToken);
        var message = await InMemory.NextAsync(connection.Incoming, cancellationToken);

        Assert.That(message.Data.ToArray(), Is.EqualTo(s_compressible));
        Assert.That(connection.Extensions, Is.EqualTo("permessage-deflate"));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Read_CompressionBomb_ClosesWith1009(CancellationToken cancellationToken)
    {
        var (connection, remote) = Open(ConnectionRole.Client, threshold: 1024);
        await using var _ = connection;

        remote.Output.Write(ClientFrame.Unmasked(Opcode.Binary, Deflate(new byte[32 * 1024 * 1024]), rsv: 4));
        await remote.Output.FlushAsync(cancellationToken);
        var close = await ReadFrameAsync(remote.Input, cancellationToken);

        Assert.That(close.Header.Opcode, Is.EqualTo(Opcode.Close));
        Assert.That(ClosePayload.Parse(close.Payload)?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.InnerException, Is.InstanceOf<ProtocolException>());
    }

    [Test, CancelAfter(5_000)]
    public async Task Read_InvalidDeflateData_ClosesWith1007(CancellationToken cancellationToken)
    {
        var (connection, remote) = Open(ConnectionRole.Client, threshold: 1024);
        await using var _ = connection;

        remote.Output.Write(ClientFrame.Unmasked(Opcode.Binary, [0xff, 0xff, 0xff], rsv: 4));
        await remote.Output.FlushAsync(cancellationToken);
        var close = await ReadFrameAsync(remote.Input, cancellationToken);

        Assert.That(ClosePayload.Parse(close.Payload)?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test, CancelAfter(5_000)]
    public async Task Read_RsvOneWithoutDeflate_ClosesWith1002(CancellationToken cancellationToken)
    {
        var (local, remote) = PipePair.Create();
        await using var connection = WebSocketConnection.Create(local, ConnectionRole.Client, new WebSocketClientOptions
        {
            PerMessageDeflate = new PerMessageDeflateOptions(),   // configured, but this connection did not negotiate it
        });

        remote.Output.Write(ClientFrame.Unmasked(Opcode.Binary, Deflate(s_compressible), rsv: 4));
        await remote.Output.FlushAsync(cancellationToken);
        var close = await ReadFrameAsync(remote.Input, cancellationToken);

        Assert.That(ClosePayload.Parse(close.Payload)?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    private static (WebSocketConnection Connection, IDuplexPipe Remote) Open(ConnectionRole role, int threshold)
    {
        var (local, remote) = PipePair.Create();
        ConnectionOptions options = role == ConnectionRole.Client ? new WebSocketClientOptions() : new WebSocketServerOptions();
        options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        var settings = new DeflateSettings("permessage-deflate", false, false, threshold, CompressionLevel.Optimal);
        var connection = new WebSocketConnection(new PipeTransport(local), role, options.ValidatedCopy(),
            new ConnectionInfo(new Uri("ws://localhost/"), null, settings.Extension, null, null, settings));
        return (connection, remote);
    }

    /// <summary>Reads one frame of either direction, RSV1 allowed, unmasking a client's frame.</summary>
    private static async Task<Frame> ReadFrameAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var masked = buffer.Length > 1 && (buffer.FirstSpan.Length > 1 ? buffer.FirstSpan[1] : buffer.Slice(1).FirstSpan[0]) >= 0x80;
            if (Frame.TryRead(ref buffer, masked, long.MaxValue, out var frame, allowedRsv: 0x4))
            {
                input.AdvanceTo(buffer.Start);
                return frame;
            }

            Assert.That(result.IsCompleted, Is.False, "the stream ended before a whole frame");
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(data);
            deflate.Flush();
        }

        return output.ToArray();
    }

    private static byte[] Inflate(byte[] data)
    {
        using var input = new MemoryStream([.. data, 0x00, 0x00, 0xff, 0xff]);
        using var inflate = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        inflate.CopyTo(output);
        return output.ToArray();
    }
}
