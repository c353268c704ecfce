namespace RxSockets.Interop.Tests.Browser;

/// <summary>A page's WebSocket after its open event: its table id and what the browser negotiated.</summary>
/// <param name="Id">The id in the page's <c>rxs</c> table.</param>
/// <param name="Protocol">The browser's <c>WebSocket.protocol</c> (empty when none).</param>
/// <param name="Extensions">The browser's <c>WebSocket.extensions</c> (empty when none).</param>
public sealed record BrowserOpened(int Id, string Protocol, string Extensions);
