using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Support;

/// <summary>
/// A scripted WebSocket peer over one end of a <see cref="PipePair"/>: writes hand-made frames (masked when it plays
/// the client) and reads the other side's frames with <see cref="Frame.TryRead"/>.
/// </summary>
internal sealed class RawPeer
{
    private readonly IDuplexPipe _pipe;
    private readonly bool _masks;
    private int _nextMask = 0x12345678;

    private RawPeer(IDuplexPipe pipe, bool masks)
    {
        _pipe = pipe;
        _masks = masks;
    }

    /// <summary>A peer playing the client: its frames are masked, it expects unmasked frames.</summary>
    public static RawPeer Client(IDuplexPipe pipe) => new(pipe, masks: true);

    /// <summary>A peer playing the server: its frames are unmasked, it expects masked frames.</summary>
    public static RawPeer Server(IDuplexPipe pipe) => new(pipe, masks: false);

    /// <summary>A peer speaking to a connection of <paramref name="role"/>.</summary>
    public static RawPeer For(ConnectionRole role, IDuplexPipe pipe) => role == ConnectionRole.Server ? Client(pipe) : Server(pipe);

    public PipeWriter Output => _pipe.Output;

    /// <summary>Writes raw bytes without flushing.</summary>
    public void Write(ReadOnlySpan<byte> bytes) => _pipe.Output.Write(bytes);

    /// <summary>Writes raw bytes and flushes.</summary>
    public async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        _pipe.Output.Write(bytes);
        await _pipe.Output.FlushAsync(cancellationToken);
    }

    /// <summary>Builds one frame as this peer would send it (masked when it plays the client).</summary>
    public byte[] BuildFrame(Opcode opcode, ReadOnlySpan<byte> payload, bool fin = true, bool? masked = null)
    {
        var writer = new ArrayBufferWriter<byte>();
        int? mask = (masked ?? _masks) ? _nextMask++ : null;
        FrameWriter.WriteFrame(writer, opcode, fin, rsv1: false, payload, mask);
        return writer.WrittenSpan.ToArray();
    }

    public Task SendFrameAsync(Opcode opcode, byte[] payload, CancellationToken cancellationToken, bool fin = true) =>
        WriteAsync(BuildFrame(opcode, payload, fin), cancellationToken);

    public Task SendTextAsync(string text, CancellationToken cancellationToken) =>
        SendFrameAsync(Opcode.Text, Encoding.UTF8.GetBytes(text), cancellationToken);

    public Task SendBinaryAsync(byte[] data, CancellationToken cancellationToken) =>
        SendFrameAsync(Opcode.Binary, data, cancellationToken);

    public Task SendContinuationAsync(byte[] data, bool fin, CancellationToken cancellationToken) =>
        SendFrameAsync(Opcode.Continuation, data, cancellationToken, fin);

    public Task SendPingAsync(byte[] payload, CancellationToken cancellationToken) =>
        SendFrameAsync(Opcode.Ping, payload, cancellationToken);

    public Task SendPongAsync(byte[] payload, CancellationToken cancellationToken) =>
        SendFrameAsync(Opcode.Pong, payload, cancellationToken);

    public Task SendCloseAsync(CloseCode code, string reason, CancellationToken cancellationToken) =>
        SendFrameAsync(Opcode.Close, ClosePayloadOf(code, reason), cancellationToken);

    /// <summary>The body of a close frame.</summary>
    public static byte[] ClosePayloadOf(CloseCode code, string reason)
    {
        var body = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);
        Encoding.UTF8.GetBytes(reason, body.AsSpan(2));
        return body;
    }

    /// <summary>Ends this peer's sending side, as a peer that vanishes without a close frame.</summary>
    public Task CompleteAsync() => _pipe.Output.CompleteAsync().AsTask();

    /// <summary>The next frame, or null when the other side ended the stream.</summary>
    public async Task<Frame?> ReadFrameAsync(CancellationToken cancellationToken, byte allowedRsv = 0)
    {
        var input = _pipe.Input;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (Frame.TryRead(ref buffer, expectMasked: !_masks, maxPayload: long.MaxValue, out var frame, allowedRsv))
            {
                input.AdvanceTo(buffer.Start);
                return frame;
            }

            if (result.IsCompleted)
            {
                Assert.That(buffer.Length, Is.Zero, "the stream ended inside a frame");
                input.AdvanceTo(buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads the next frame and asserts its opcode.</summary>
    public async Task<Frame> ExpectFrameAsync(Opcode opcode, CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(cancellationToken);
        Assert.That(frame, Is.Not.Null, $"expected a {opcode} frame, but the stream ended");
        Assert.That(frame!.Value.Header.Opcode, Is.EqualTo(opcode));   // checked non-null just above
        return frame.Value;
    }

    /// <summary>Reads the next frame, asserts it is a text frame, and returns its text.</summary>
    public async Task<string> ExpectTextAsync(CancellationToken cancellationToken)
    {
        var frame = await ExpectFrameAsync(Opcode.Text, cancellationToken);
        return Encoding.UTF8.GetString(frame.Payload);
    }

    /// <summary>Reads the next frame, asserts it is a close frame, and returns its status (null for an empty body).</summary>
    public async Task<CloseStatus?> ExpectCloseAsync(CancellationToken cancellationToken)
    {
        var frame = await ExpectFrameAsync(Opcode.Close, cancellationToken);
        return ClosePayload.Parse(frame.Payload);
    }

    /// <summary>Asserts the other side sends nothing more and ends the stream.</summary>
    public async Task ExpectEndAsync(CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(cancellationToken);
        Assert.That(frame, Is.Null, () => $"expected the end of the stream, got a {frame?.Header.Opcode} frame");
    }
}
