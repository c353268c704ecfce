using Microsoft.Extensions.Logging;

namespace RxSockets.Diagnostics;

/// <summary>The reconnecting client's log messages (category <c>RxSockets.Client</c>), source-generated, with stable
/// event ids 40–49. Kept apart from <see cref="Log"/> only so parallel work on the two does not collide.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Client: a subscriber threw and was unsubscribed")]
    public static partial void ObserverFaulted(ILogger logger, Exception error);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Connected to {Uri} (attempt {Attempt}, resumed {Resumed})")]
    public static partial void Connected(ILogger logger, Uri uri, int attempt, bool resumed);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Connection to {Uri} lost ({Code}): {Reason}")]
    public static partial void Disconnected(ILogger logger, Uri uri, CloseCode code, string reason);

    [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "Reconnecting to {Uri}: attempt {Attempt} in {Delay} after {Reason}")]
    public static partial void Reconnecting(ILogger logger, Uri uri, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Gave up reconnecting to {Uri} after {Attempts} attempts")]
    public static partial void GaveUp(ILogger logger, Uri uri, int attempts, Exception error);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "A request handler for '{Name}' failed; the server is answered 'internal'")]
    public static partial void RequestHandlerFailed(ILogger logger, string name, Exception error);
}
