using System.Runtime.InteropServices;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// One native zlib stream (a compressor or a decompressor) and the <see cref="ZLibNative.ZStream"/> it is driven
/// through, in native memory. A SafeHandle, so a stream a connection failed to dispose is still ended by the
/// finalizer, and a dispose racing a call waits for the call (callers hold <see cref="Enter"/>) instead of freeing
/// memory zlib is using.
/// </summary>
internal sealed unsafe class ZStreamHandle : SafeHandle
{
    private readonly bool _deflate;

    private ZStreamHandle(bool deflate)
        : base(0, ownsHandle: true)
    {
        _deflate = deflate;
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The stream; valid between <see cref="Enter"/> and <see cref="Exit"/>.</summary>
    public ZLibNative.ZStream* Stream => (ZLibNative.ZStream*)handle;

    /// <summary>A raw-DEFLATE compressor.</summary>
    /// <param name="level">zlib level 0..9.</param>
    /// <param name="windowBits">9..15: zlib refuses 8 for raw DEFLATE (see <see cref="DeflateWindow"/>).</param>
    /// <param name="memLevel">1..9: the size of zlib's hash table and symbol buffer.</param>
    public static ZStreamHandle CreateDeflater(int level, int windowBits, int memLevel) =>
        Create(deflate: true, level, windowBits, memLevel);

    /// <summary>A raw-DEFLATE decompressor with a window of 2^<paramref name="windowBits"/> bytes (8..15).</summary>
    public static ZStreamHandle CreateInflater(int windowBits) =>
        Create(deflate: false, 0, windowBits, 0);

    /// <summary>Keeps the stream alive until <see cref="Exit"/>.</summary>
    /// <exception cref="ObjectDisposedException">The stream was already released.</exception>
    public void Enter()
    {
        var added = false;
        DangerousAddRef(ref added);
    }

    public void Exit() => DangerousRelease();

    protected override bool ReleaseHandle()
    {
        var stream = (ZLibNative.ZStream*)handle;
        _ = _deflate ? ZLibNative.DeflateEnd(stream) : ZLibNative.InflateEnd(stream);
        NativeMemory.Free(stream);
        return true;
    }

    private static ZStreamHandle Create(bool deflate, int level, int windowBits, int memLevel)
    {
        var result = new ZStreamHandle(deflate);
        var stream = (ZLibNative.ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZLibNative.ZStream));
        var code = deflate
            ? ZLibNative.DeflateInit2(stream, level, ZLibNative.Deflated, -windowBits, memLevel, ZLibNative.DefaultStrategy)
            : ZLibNative.InflateInit2(stream, -windowBits);
        if (code != ZLibNative.Ok)
        {
            NativeMemory.Free(stream);
            throw new InvalidOperationException($"zlib could not start a {(deflate ? "compressor" : "decompressor")} (error {code}).");
        }

        result.SetHandle((nint)stream);
        return result;
    }
}
