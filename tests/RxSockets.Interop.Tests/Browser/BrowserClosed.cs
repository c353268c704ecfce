namespace RxSockets.Interop.Tests.Browser;

/// <summary>What the page's WebSocket close event reported.</summary>
/// <param name="Code">The close code (1005 when the close frame had none, 1006 when abnormal).</param>
/// <param name="Reason">The close reason.</param>
/// <param name="WasClean">Whether the closing handshake completed.</param>
public sealed record BrowserClosed(int Code, string Reason, bool WasClean);
