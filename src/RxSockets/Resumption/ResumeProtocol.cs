namespace RxSockets.Resumption;

/// <summary>The subprotocol that negotiates resumable sessions, and the server's choice of it.</summary>
internal static class ResumeProtocol
{
    /// <summary>The subprotocol token; a client offers it before the user's own subprotocols.</summary>
    public const string Name = "rxsockets.resume.v1";

    /// <summary>Whether a connection speaks the resume protocol.</summary>
    public static bool IsSpokenBy(WebSocketConnection connection) => connection.SubProtocol == Name;

    /// <summary>The server's subprotocol rule: with resume on, the resume protocol whenever it is offered, otherwise
    /// the user's rule (<see cref="WebSocketServerOptions.SelectSubProtocol"/>, else the first offer listed in
    /// <see cref="WebSocketServerOptions.SubProtocols"/>).</summary>
    public static Func<IReadOnlyList<string>, string?>? ServerSelector(WebSocketServerOptions options)
    {
        if (options.Resume is null)
        {
            return options.SelectSubProtocol;
        }

        var select = options.SelectSubProtocol;
        string[] listed = [.. options.SubProtocols];
        return offers => offers.Contains(Name, StringComparer.Ordinal) ? Name
            : select is not null ? select(offers)
            : offers.FirstOrDefault(offer => listed.Contains(offer, StringComparer.Ordinal));
    }

    /// <summary>Fails a connection whose peer broke the resume protocol (1002).</summary>
    public static void Violated(WebSocketConnection connection, string reason) =>
        connection.Session.Fail(new CloseStatus(CloseCode.ProtocolError, "resume protocol violation"),
            new ProtocolException(CloseCode.ProtocolError, $"Resume protocol violation: {reason}."));
}
