using System.Runtime.InteropServices;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The zlib the .NET runtime ships (libSystem.IO.Compression.Native, next to the framework's assemblies, where the
/// runtime's probing finds it for every framework-dependent app). System.IO.Compression offers no window-size
/// setting, so permessage-deflate calls the library's exported wrappers itself: they take the runtime's own
/// <see cref="ZStream"/> (not zlib's <c>z_stream</c>) and are the same entry points System.Net.WebSockets uses for
/// its window bits.
/// </summary>
internal static unsafe partial class ZLibNative
{
    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int StreamError = -2;
    public const int DataError = -3;
    public const int MemError = -4;
    public const int BufError = -5;

    public const int NoFlush = 0;
    public const int SyncFlush = 2;

    /// <summary>Z_DEFLATED, the only method zlib has.</summary>
    public const int Deflated = 8;

    /// <summary>Z_DEFAULT_STRATEGY.</summary>
    public const int DefaultStrategy = 0;

    private const string Library = "libSystem.IO.Compression.Native";

    /// <summary>The runtime's PAL_ZStream: the input and output windows of one call. The real z_stream lives in
    /// native memory behind <c>internalState</c>, so this struct only has to stay put during a call.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ZStream
    {
        public byte* NextIn;
        public byte* NextOut;
        public byte* Message;
        public nint InternalState;
        public uint AvailIn;
        public uint AvailOut;
    }

    /// <summary>deflateInit2: a negative <paramref name="windowBits"/> means raw DEFLATE (no zlib header), as
    /// permessage-deflate sends.</summary>
    [LibraryImport(Library, EntryPoint = "CompressionNative_DeflateInit2_")]
    public static partial int DeflateInit2(ZStream* stream, int level, int method, int windowBits, int memLevel, int strategy);

    [LibraryImport(Library, EntryPoint = "CompressionNative_Deflate")]
    public static partial int Deflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "CompressionNative_DeflateEnd")]
    public static partial int DeflateEnd(ZStream* stream);

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateInit2_")]
    public static partial int InflateInit2(ZStream* stream, int windowBits);

    [LibraryImport(Library, EntryPoint = "CompressionNative_Inflate")]
    public static partial int Inflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateEnd")]
    public static partial int InflateEnd(ZStream* stream);

    /// <summary>zlib's message for the last error of <paramref name="stream"/>, or the code.</summary>
    public static string Describe(ZStream* stream, int code) =>
        stream->Message is null ? $"zlib error {code}" : Marshal.PtrToStringUTF8((nint)stream->Message) ?? $"zlib error {code}";
}
