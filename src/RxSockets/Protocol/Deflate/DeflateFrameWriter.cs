using System.Buffers;
using RxSockets.Protocol.Frames;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The write side of permessage-deflate for one connection: compresses messages at or above the threshold and frames
/// them with RSV1 on the first frame only (RFC 7692 §6); a frame compressed elsewhere with a fresh context (a
/// broadcast) tells it through <see cref="ForgetContext"/>.
/// Not thread-safe: owned by the write loop.
/// </summary>
internal sealed class DeflateFrameWriter : IDisposable
{
    private readonly DeflateSettings _settings;
    private readonly PerMessageDeflater _deflater;

    public DeflateFrameWriter(DeflateSettings settings)
    {
        _settings = settings;
        _deflater = new PerMessageDeflater(settings.Level, settings.CompressNoContext, settings.CompressWindowBits, settings.MemoryLevel);
    }

    /// <summary>Compresses and writes <paramref name="message"/> when it is worth it.</summary>
    /// <returns>False when the message is below the threshold (or empty, or marked <see cref="Message.SkipCompression"/>):
    /// the caller writes it uncompressed.</returns>
    public bool TryWriteMessage(IBufferWriter<byte> output, in Message message, int fragmentSize, MaskKeySource? masks)
    {
        var payload = message.Data.Span;
        if (message.SkipCompression || !ShouldCompress(payload.Length, _settings))
        {
            return false;
        }

        var compressed = _deflater.Compress(payload);
        FrameWriter.WriteMessage(output, message.Type, compressed, fragmentSize, masks, compressed: true);
        _deflater.Release();
        return true;
    }

    /// <summary>What the connection negotiated.</summary>
    public DeflateSettings Settings => _settings;

    /// <summary>A message compressed with a fresh context went out instead of one of ours: the peer's window now
    /// holds its text and ours does not, so our context is dropped before the next message (see
    /// <see cref="PerMessageDeflater.Reset"/>).</summary>
    public void ForgetContext() => _deflater.Reset();

    public void Dispose() => _deflater.Dispose();

    /// <summary>Empty messages are never compressed (nothing to gain, and RSV1 on an empty payload is pointless).</summary>
    internal static bool ShouldCompress(int length, DeflateSettings settings) => length > 0 && length >= settings.Threshold;
}
