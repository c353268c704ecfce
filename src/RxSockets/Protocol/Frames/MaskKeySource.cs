using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RxSockets.Protocol.Frames;

/// <summary>
/// Masking keys from a strong source of entropy (RFC 6455 §5.3), drawn in batches so a frame costs no system call.
/// Not thread-safe: one per writer.
/// </summary>
internal sealed class MaskKeySource
{
    // 512 keys per draw: OpenSSL's RAND_bytes costs a few microseconds a call whatever the size (it looks its generator
    // up by name each time), which at 256-byte draws was 3 % of a 32 B client echo. Made on the first frame, so an
    // idle client connection holds none.
    private const int BatchSize = 2048;
    private byte[]? _batch;
    private int _position = BatchSize;

    /// <summary>The next key.</summary>
    public int Next()
    {
        if (_position == BatchSize)
        {
            RandomNumberGenerator.Fill(_batch ??= new byte[BatchSize]);
            _position = 0;
        }

        var key = BinaryPrimitives.ReadInt32LittleEndian(_batch!.AsSpan(_position));
        _position += 4;
        return key;
    }
}
