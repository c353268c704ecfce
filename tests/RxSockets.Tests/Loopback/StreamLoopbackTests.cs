using System.IO.Pipelines;
using System.Security.Cryptography;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Loopback;

public class StreamLoopbackTests
{
    private const int LargeSize = 20 * 1024 * 1024;

    [Test, CancelAfter(60_000)]
    public async Task PipeFromAsync_LargeStreamToServerPipeWriter_ArrivesWithSameHash(CancellationToken cancellationToken)
    {
        var payload = RandomPayload(LargeSize);
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var received = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                var pipe = new Pipe();
                var copying = connection.PipeToAsync(pipe.Writer, cancellationToken);
                var hash = await HashAsync(pipe.Reader.AsStream(), cancellationToken);
                return (Hash: hash, Copied: await copying);
            }

            throw new InvalidOperationException("no connection");
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        var sent = await client.PipeFromAsync(new MemoryStream(payload), 100_000, cancellationToken);
        await client.CloseAsync(cancellationToken: cancellationToken);
        var (hash, copied) = await received;

        Assert.That(sent, Is.EqualTo(LargeSize));
        Assert.That(copied, Is.EqualTo(LargeSize));
        Assert.That(hash, Is.EqualTo(SHA256.HashData(payload)));
    }

    [Test, CancelAfter(60_000)]
    public async Task WebSocketStream_LargePipeReaderEchoedThroughServerStream_ReadsBackSameHash(CancellationToken cancellationToken)
    {
        var payload = RandomPayload(LargeSize);
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var echoing = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await using var stream = connection.AsStream();
                await stream.CopyToAsync(stream, cancellationToken);   // each read becomes one binary message back
                return;
            }
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await using var clientStream = client.AsStream(leaveOpen: true);

        var sending = client.PipeFromAsync(PipeReader.Create(new MemoryStream(payload)), 100_000, cancellationToken);
        var echoed = new byte[LargeSize];
        await clientStream.ReadExactlyAsync(echoed, cancellationToken);
        var sent = await sending;
        await client.CloseAsync(cancellationToken: cancellationToken);
        var afterClose = await clientStream.ReadAsync(new byte[1], cancellationToken);
        await echoing;

        Assert.That(sent, Is.EqualTo(LargeSize));
        Assert.That(SHA256.HashData(echoed), Is.EqualTo(SHA256.HashData(payload)));
        Assert.That(afterClose, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task WebSocketStream_SmallReadBuffer_ReadsAcrossMessageBoundariesAndEndsAtCleanClose(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await connection.SendAsync("ab", cancellationToken);
                await connection.SendAsync(new byte[] { (byte)'c', (byte)'d', (byte)'e' }.AsMemory(), cancellationToken);
                await connection.SendAsync(ReadOnlyMemory<byte>.Empty, cancellationToken);
                await connection.SendAsync("f", cancellationToken);
                await connection.CloseAsync(cancellationToken: cancellationToken);
                return;
            }
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await using var stream = client.AsStream();
        var reads = new List<string>();
        var buffer = new byte[4];

        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            reads.Add(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        }

        await serving;

        Assert.That(reads, Is.EqualTo(new[] { "ab", "cde", "f" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task WebSocketStream_WriteThenDispose_SendsOneBinaryMessagePerWriteAndClosesNormally(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var received = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                var messages = new List<Message>();
                await foreach (var message in connection.ReadAllAsync(cancellationToken))
                {
                    messages.Add(message);
                }

                return (messages, connection.CloseStatus);
            }

            throw new InvalidOperationException("no connection");
        }, cancellationToken);
        var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var buffer = new byte[] { 1, 2, 3 };

        await using (var stream = client.AsStream())
        {
            await stream.WriteAsync(buffer, cancellationToken);
            buffer[0] = 9;   // the stream copied the bytes: reusing the buffer does not change the queued message
            await stream.WriteAsync(buffer.AsMemory(0, 1), cancellationToken);
            await stream.WriteAsync(ReadOnlyMemory<byte>.Empty, cancellationToken);
        }

        var (messages, closeStatus) = await received;

        Assert.That(messages.Select(m => m.IsBinary), Is.All.True);
        Assert.That(messages.Select(m => m.Data.ToArray()), Is.EqualTo(new[] { new byte[] { 1, 2, 3 }, new byte[] { 9 } }));
        Assert.That(closeStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test, CancelAfter(10_000)]
    public async Task PipeToAsync_Stream_ConcatenatesMessagesUntilCleanClose(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await connection.SendAsync(new byte[] { 1, 2 }.AsMemory(), cancellationToken);
                await connection.SendAsync(new byte[] { 3 }.AsMemory(), cancellationToken);
                await connection.CloseAsync(cancellationToken: cancellationToken);
                return;
            }
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        using var destination = new MemoryStream();

        var copied = await client.PipeToAsync(destination, cancellationToken);
        await serving;

        Assert.That(copied, Is.EqualTo(3));
        Assert.That(destination.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void PipeFromAsync_ZeroChunkSize_ThrowsBeforeReturningATask()
    {
        var (local, _) = PipePair.Create();
        var connection = WebSocketConnection.Create(local, ConnectionRole.Client);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => connection.PipeFromAsync(Stream.Null, chunkSize: 0));

        Assert.That(error?.ParamName, Is.EqualTo("chunkSize"));
        connection.Abort();
    }

    [Test, CancelAfter(10_000)]
    public async Task WebSocketStream_SynchronousWriteAndDispose_SendsAndClosesNormally(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var received = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                var payload = new MemoryStream();
                await connection.PipeToAsync(payload, cancellationToken);
                return (payload.ToArray(), connection.CloseStatus);
            }

            throw new InvalidOperationException("no connection");
        }, cancellationToken);
        var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        await Task.Run(() =>
        {
            using var stream = client.AsStream();
            stream.Write([7, 8], 0, 2);
        }, cancellationToken);
        var (payload, closeStatus) = await received;

        Assert.That(payload, Is.EqualTo(new byte[] { 7, 8 }));
        Assert.That(closeStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    private static byte[] RandomPayload(int size)
    {
        var payload = new byte[size];
        new Random(42).NextBytes(payload);
        return payload;
    }

    private static async Task<byte[]> HashAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81_920];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        return hash.GetHashAndReset();
    }
}
