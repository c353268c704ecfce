namespace RxSockets.Tests.Support;

/// <summary>Writes test bytes as hex, like the RFC's examples: <c>Hex("81 05 48656c6c6f")</c>.</summary>
internal static class HexHelper
{
    /// <summary>Decodes hex digits, ignoring spaces.</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>Concatenates byte arrays (frames into one stream of bytes).</summary>
    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();
}
