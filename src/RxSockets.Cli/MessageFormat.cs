using System.Globalization;

namespace RxSockets.Cli;

/// <summary>How <c>connect</c> prints a received message: text as is, binary as a short hex summary.</summary>
internal static class MessageFormat
{
    /// <summary>Bytes shown in hex before the rest of a binary message is elided.</summary>
    public const int HexBytesShown = 32;

    /// <summary>The line printed for a message.</summary>
    public static string Describe(Message message) =>
        message.IsBinary ? DescribeBinary(message.Data.Span) : message.GetText();

    /// <summary><c>&lt;binary N bytes: 0102…&gt;</c>: the hex of the first 32 bytes, then <c>…</c> if there are more.</summary>
    public static string DescribeBinary(ReadOnlySpan<byte> data)
    {
        var shown = data[..Math.Min(data.Length, HexBytesShown)];
        var more = data.Length > HexBytesShown ? "…" : "";
        return string.Create(CultureInfo.InvariantCulture, $"<binary {data.Length} bytes: {Convert.ToHexStringLower(shown)}{more}>");
    }
}
