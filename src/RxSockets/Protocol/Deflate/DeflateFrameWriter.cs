using System.Buffers;
using RxSockets.Transport;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The write side of permessage-deflate for one connection: compresses messages at or above the threshold and frames
/// them with RSV1 on the first frame only (RFC 7692 §6), and picks the compressed or plain bytes of a broadcast frame.
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

    /// <summary>The bytes of a broadcast frame for this connection. A compressed one was made with a fresh context,
    /// which any inflater reads; but the peer's window now holds its text and ours does not, so our context must be
    /// dropped before the next message (see <see cref="PerMessageDeflater.Reset"/>).</summary>
    public ReadOnlySpan<byte> Select(PreparedFrame frame)
    {
        var bytes = frame.GetBytes(_settings, out var compressed);
        if (compressed)
        {
            _deflater.Reset();
        }

        return bytes;
    }

    public void Dispose() => _deflater.Dispose();

    /// <summary>Empty messages are never compressed (nothing to gain, and RSV1 on an empty payload is pointless).</summary>
    internal static bool ShouldCompress(int length, DeflateSettings settings) => length > 0 && length >= settings.Threshold;
}
