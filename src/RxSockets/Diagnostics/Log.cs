using Microsoft.Extensions.Logging;

namespace RxSockets.Diagnostics;

/// <summary>Every log message of the SDK, source-generated, with stable event ids. Payloads are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: a subscriber threw and was unsubscribed")]
    public static partial void ObserverFaulted(ILogger logger, long connectionId, Exception error);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, System.Net.EndPoint endPoint);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "Rejected a handshake from {RemoteEndPoint} with HTTP {StatusCode}: {Reason}")]
    public static partial void HandshakeRejected(ILogger logger, System.Net.EndPoint? remoteEndPoint, int statusCode, string reason);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "Handshake from {RemoteEndPoint} failed")]
    public static partial void HandshakeFailed(ILogger logger, System.Net.EndPoint? remoteEndPoint, Exception error);

    [LoggerMessage(EventId = 23, Level = LogLevel.Debug, Message = "Connection {ConnectionId} accepted from {RemoteEndPoint}")]
    public static partial void Accepted(ILogger logger, long connectionId, System.Net.EndPoint? remoteEndPoint);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "Accepting a socket failed")]
    public static partial void AcceptFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "Server stopping: closing {Count} connections with 1001")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Backplane: {Operation} for topic '{Topic}' failed")]
    public static partial void BackplaneFailed(ILogger logger, string operation, string topic, Exception error);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Backplane connection lost: publications of other nodes may be missed until it is back")]
    public static partial void BackplaneLost(ILogger logger, Exception error);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Backplane connection restored")]
    public static partial void BackplaneRestored(ILogger logger);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Topic '{Topic}': Format threw; the publication at offset {Offset} was sent as published")]
    public static partial void TopicFormatFailed(ILogger logger, string topic, long offset, Exception error);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Broadcast from another node names the filter '{Filter}', which this node does not have: sent to no one")]
    public static partial void UnknownBroadcastFilter(ILogger logger, string filter);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: the request handler '{Name}' threw; the client was answered 'internal'")]
    public static partial void RequestHandlerFailed(ILogger logger, long connectionId, string name, Exception error);

    [LoggerMessage(EventId = 46, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: messaging protocol: {Reason}; closing with {Code}")]
    public static partial void MessagingViolation(ILogger logger, long connectionId, string reason, int code);
}
