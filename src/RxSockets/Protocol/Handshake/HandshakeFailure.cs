using System.Net;

namespace RxSockets;

/// <summary>One opening handshake a server refused or that failed (<see cref="WebSocketServer.HandshakeFailures"/>):
/// the structured form of the server's "handshake rejected" and "handshake failed" log lines.</summary>
/// <param name="RemoteEndPoint">The client's address, when known.</param>
/// <param name="Path">The path the client asked for, when its request arrived and parsed (a 404 for a wrong path
/// names it); null for a timeout, a malformed request or a failed TLS handshake.</param>
/// <param name="StatusCode">The HTTP status answered (400–599), or null when nothing could be answered (the client left,
/// TLS failed, the socket broke).</param>
/// <param name="Reason">Why, in words: the refusal's reason (or its status's phrase) or the error's message.</param>
/// <param name="Exception">The error behind it: a failing <see cref="WebSocketServerOptions.VerifyClient"/> or
/// <see cref="WebSocketServerOptions.AddResponseHeaders"/> hook (answered 500), an I/O, TLS or timeout error; null
/// for a plain refusal.</param>
public sealed record HandshakeFailure(EndPoint? RemoteEndPoint, string? Path, int? StatusCode, string Reason, Exception? Exception);
