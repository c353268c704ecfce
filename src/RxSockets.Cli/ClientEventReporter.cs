namespace RxSockets.Cli;

/// <summary>
/// Reports a <see cref="WebSocketClient"/>'s events on stderr, as lines a script can match — reconnects, gaps of
/// messaging subscriptions, the end — and completes <paramref name="closed"/> when the client stops for good.
/// Shared by <c>connect --reconnect</c> and the messaging commands (<c>subscribe</c>, <c>publish</c>, <c>request</c>).
/// </summary>
/// <param name="closed">Completed with the client's last event.</param>
/// <param name="reportDisconnects">Whether a lost connection gets its own line (when a reconnect follows); without
/// reconnects the end line says it all.</param>
/// <param name="messaging">Whether the client speaks the messaging protocol: a reconnect then recovers the
/// subscriptions from their positions instead of being a "fresh session".</param>
/// <param name="url">When given, a network error that ends the client names the server it could not reach.</param>
internal sealed class ClientEventReporter(TaskCompletionSource<ClientClosed> closed, bool reportDisconnects = true, bool messaging = false, Uri? url = null)
    : IObserver<ClientEvent>
{
    public void OnNext(ClientEvent value)
    {
        var line = value switch
        {
            ClientDisconnected d when reportDisconnects => $"disconnected: {d.Reason.Message}",
            ClientHeartbeatTimeout => "heartbeat timeout: no pong from the server",
            ClientReconnecting r => $"reconnecting in {Duration.Format(r.Delay)} (attempt {r.Attempt})",
            ClientReconnectFailed f => $"reconnect attempt {f.Attempt} failed: {f.Error.Message}",
            ClientReconnected r => $"reconnected after {r.Attempts} attempt(s) ({Continuation(r)})",
            ClientTopicGap g => $"gap: {g.Topic} {g.Reason} {g.LastPosition}..{g.CurrentPosition}",
            ClientGaveUp g => $"error: gave up after {g.Attempts} reconnect attempts: {g.LastError.Message}",
            ClientClosed { Error: null } c => $"closed {(int?)c.Status?.Code} {c.Status?.Reason}".TrimEnd(),
            ClientClosed { Error: System.Net.Sockets.SocketException error } when url is not null => $"error: cannot connect to {url.Host}:{url.Port}: {error.Message}",
            ClientClosed c => $"error: {c.Error?.Message}",
            _ => null,
        };
        if (line is not null)
        {
            Console.Error.WriteLine(line);
        }

        if (value is ClientClosed end)
        {
            closed.TrySetResult(end);
        }
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }

    private string Continuation(ClientReconnected reconnected) =>
        messaging ? "subscriptions recover from their last positions"
        : reconnected.Resumed ? "session resumed"
        : "fresh session: messages may have been lost";

    /// <summary>The exit code for the client's end: success for a clean close with 1000 or 1001.</summary>
    public static int ExitCode(ClientClosed end) =>
        end.Error is null && end.Status?.Code is CloseCode.NormalClosure or CloseCode.GoingAway ? ExitCodes.Success : ExitCodes.Failure;
}
