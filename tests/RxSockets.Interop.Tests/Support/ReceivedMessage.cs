using System.Net.WebSockets;

namespace RxSockets.Interop.Tests.Support;

/// <summary>A whole message read from a BCL <see cref="WebSocket"/>; a close has an empty payload.</summary>
/// <param name="Type">Text, binary or close.</param>
/// <param name="Payload">The reassembled payload.</param>
public sealed record ReceivedMessage(WebSocketMessageType Type, byte[] Payload);
