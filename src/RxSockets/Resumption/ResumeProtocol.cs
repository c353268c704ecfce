namespace RxSockets.Resumption;

/// <summary>The subprotocols that negotiate resumable sessions, and the server's choice of them.</summary>
internal static class ResumeProtocol
{
    /// <summary>The current subprotocol token: v1 plus the end of a session told to a client that comes back after it
    /// (a welcome <c>e&lt;code&gt;</c>). A client offers it, then <see cref="LegacyName"/>, before the user's own.</summary>
    public const string Name = "rxsockets.resume.v2";

    /// <summary>The first version, still accepted from (and offered to) older peers.</summary>
    public const string LegacyName = "rxsockets.resume.v1";

    /// <summary>The tokens a client offers, newest first.</summary>
    public static IReadOnlyList<string> Offered { get; } = [Name, LegacyName];

    /// <summary>Whether a connection speaks the resume protocol, in either version.</summary>
    public static bool IsSpokenBy(WebSocketConnection connection) => connection.SubProtocol is Name or LegacyName;

    /// <summary>Whether the peer understands an "ended" welcome (v2); a v1 peer is told the end by the close alone.</summary>
    public static bool CanTellEnd(WebSocketConnection connection) => connection.SubProtocol == Name;

    /// <summary>Fails a connection whose peer broke the resume protocol (1002).</summary>
    public static void Violated(WebSocketConnection connection, string reason) =>
        connection.Driver.Fail(new CloseStatus(CloseCode.ProtocolError, "resume protocol violation"),
            new ProtocolException(CloseCode.ProtocolError, $"Resume protocol violation: {reason}."));
}
