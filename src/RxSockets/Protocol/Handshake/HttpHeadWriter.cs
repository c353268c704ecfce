using System.Buffers;
using System.Globalization;
using System.Text;

namespace RxSockets.Protocol.Handshake;

/// <summary>Writes HTTP/1.1 head lines into an <see cref="IBufferWriter{T}"/>.</summary>
/// <remarks>
/// Stateless and thread-safe. It does not validate: callers check names and values with
/// <see cref="HttpSyntax"/> before anything reaches the wire. Text is encoded as UTF-8.
/// </remarks>
internal static class HttpHeadWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private static ReadOnlySpan<byte> ColonSpace => ": "u8;

    /// <summary>Writes <paramref name="text"/> as UTF-8.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<char> text) => Encoding.UTF8.GetBytes(text, output);

    /// <summary>Writes raw bytes, typically a <c>u8</c> literal.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    /// <summary>Writes a number in invariant decimal digits.</summary>
    public static void Write(IBufferWriter<byte> output, int value)
    {
        var span = output.GetSpan(11);
        value.TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    /// <summary>Writes <c>name: value CRLF</c>.</summary>
    public static void WriteField(IBufferWriter<byte> output, ReadOnlySpan<char> name, ReadOnlySpan<char> value)
    {
        Write(output, name);
        output.Write(ColonSpace);
        Write(output, value);
        output.Write(Crlf);
    }

    /// <summary>Writes a line break, or the empty line that ends a head.</summary>
    public static void WriteCrlf(IBufferWriter<byte> output) => output.Write(Crlf);
}
