namespace RxSockets.Interop.Tests.Browser;

/// <summary>A message the page's WebSocket received.</summary>
/// <param name="Type"><c>text</c> or <c>binary</c>.</param>
/// <param name="Text">The text of a text message, else null.</param>
/// <param name="Base64">The bytes of a binary message in base64, else null.</param>
public sealed record BrowserMessage(string Type, string? Text, string? Base64)
{
    /// <summary>Gets the bytes of a binary message.</summary>
    /// <value>Empty for a text message.</value>
    public byte[] Bytes => Base64 is null ? [] : Convert.FromBase64String(Base64);
}
