namespace RxSockets.Interop.Tests.Browser;

/// <summary>The page's verdict on the echo of a message it generated.</summary>
/// <param name="Type">The echo's type, <c>text</c> or <c>binary</c>.</param>
/// <param name="Length">The echo's length (UTF-16 units for text, bytes for binary).</param>
/// <param name="Equal">Whether the echo equals what the page sent.</param>
public sealed record BrowserEcho(string Type, int Length, bool Equal);
