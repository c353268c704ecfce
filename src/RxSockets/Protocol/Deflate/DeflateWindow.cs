namespace RxSockets.Protocol.Deflate;

/// <summary>
/// How a negotiated window size (RFC 7692 §7.1.2: 8 to 15 bits) becomes zlib's <c>windowBits</c>.
/// </summary>
/// <remarks>
/// zlib (and zlib-ng, which the runtime ships) refuses a raw-DEFLATE compressor with an 8-bit window. With 8 agreed
/// we compress with 9, and that is still correct: zlib never emits a match farther back than its window minus
/// MIN_LOOKAHEAD (262 bytes), so a 512-byte window gives distances of at most 250, which a 256-byte window decodes.
/// The tests check it by inflating what we send with a decompressor that really has 2^N bytes of history. Inflating,
/// we use the agreed window, but at least 9 bits: a peer told 8 that compresses with a plain 9-bit window (not
/// zlib-based) is then read too, for 256 bytes of memory.
/// </remarks>
internal static class DeflateWindow
{
    public const int Max = 15;

    /// <summary>zlib's window for compressing within an agreed window of <paramref name="agreedBits"/>.</summary>
    public static int Compress(int agreedBits) => Math.Max(agreedBits, 9);

    /// <summary>zlib's window for inflating data compressed within <paramref name="agreedBits"/>.</summary>
    public static int Inflate(int agreedBits) => Math.Max(agreedBits, 9);
}
