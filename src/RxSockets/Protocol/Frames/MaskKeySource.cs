using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RxSockets.Protocol.Frames;

/// <summary>
/// Masking keys from a strong source of entropy (RFC 6455 §5.3), drawn in batches so a frame costs no system call.
/// Not thread-safe: one per writer.
/// </summary>
internal sealed class MaskKeySource
{
    private readonly byte[] _batch = new byte[256];
    private int _position = 256;

    /// <summary>The next key.</summary>
    public int Next()
    {
        if (_position == _batch.Length)
        {
            RandomNumberGenerator.Fill(_batch);
            _position = 0;
        }

        var key = BinaryPrimitives.ReadInt32LittleEndian(_batch.AsSpan(_position));
        _position += 4;
        return key;
    }
}
