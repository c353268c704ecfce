namespace RxSockets.Cli;

/// <summary>
/// <c>serve --topics</c>: the messaging protocol (<c>rxsockets.v1</c>) for the clients that offer it — subscriptions to
/// any topic, each keeping the last <c>--history N</c> publications so a client recovers what it missed, acknowledged
/// publishing, and requests: one without a name (or named <c>echo</c>) is answered with itself, one named <c>time</c>
/// with the server's UTC time. Plain clients get the other mode (echo by default).
/// </summary>
internal static class MessagingMode
{
    public static MessagingServerOptions Options()
    {
        var options = new MessagingServerOptions();
        options.RequestHandlers[""] = static (request, _) => ValueTask.FromResult(request.Message);
        options.RequestHandlers["echo"] = static (request, _) => ValueTask.FromResult(request.Message);
        options.RequestHandlers["time"] = static (_, _) => ValueTask.FromResult(Message.Text(DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        return options;
    }

    /// <summary>Every topic's options: the history asked for.</summary>
    public static TopicOptions TopicOptions(ServeSettings settings) => new()
    {
        HistorySize = settings.History,
        HistoryTtl = settings.HistoryTtl,
    };

    /// <summary>Logs messaging clients' connections and disconnections to stderr, as the plain ones are.</summary>
    public static IDisposable Watch(WebSocketServer server) =>
        server.MessagingClients.Subscribe(connection =>
        {
            Console.Error.WriteLine($"connected #{connection.Id} {connection.RemoteEndPoint} {connection.Request?.Path} ({connection.SubProtocol})");
            _ = connection.Completion.ContinueWith(
                _ => Console.Error.WriteLine($"disconnected #{connection.Id} {(int)(connection.CloseStatus?.Code ?? CloseCode.AbnormalClosure)}"),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        });
}
