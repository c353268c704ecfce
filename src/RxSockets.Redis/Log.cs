using Microsoft.Extensions.Logging;

namespace RxSockets.Redis;

/// <summary>Every log message of the Redis backplane, source-generated, with stable event ids. Payloads are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Redis backplane node {Node} started on {EndPoint}")]
    public static partial void Started(ILogger logger, string node, string endPoint);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Redis backplane node {Node}: the connection to Redis ({ConnectionType}) failed: {FailureType}")]
    public static partial void ConnectionLost(ILogger logger, string node, string connectionType, string failureType, Exception? error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Redis backplane node {Node}: the connection to Redis is back and every subscription is live")]
    public static partial void ConnectionRestored(ILogger logger, string node);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Redis backplane node {Node}: restoring after an outage failed; it is retried")]
    public static partial void RestoreFailed(ILogger logger, string node, Exception error);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Redis backplane node {Node}: node {DeadNode} is dead (no heartbeat for the node timeout); removed {Members} of its members")]
    public static partial void NodeReaped(ILogger logger, string node, string deadNode, long members);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Redis backplane node {Node}: removed {Members} members left behind by a previous run of this node")]
    public static partial void LeftoversRemoved(ILogger logger, string node, long members);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Redis backplane node {Node}: this node was not registered (declared dead, or Redis lost its data); registered it again with its {Members} members")]
    public static partial void Reregistered(ILogger logger, string node, int members);

    [LoggerMessage(EventId = 107, Level = LogLevel.Debug, Message = "Redis backplane node {Node}: the heartbeat failed")]
    public static partial void HeartbeatFailed(ILogger logger, string node, Exception error);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Redis backplane node {Node}: the handler threw on a delivery from channel {Channel}; the delivery was skipped")]
    public static partial void DeliveryFailed(ILogger logger, string node, string channel, Exception error);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "Redis backplane node {Node}: a malformed frame on channel {Channel} was ignored")]
    public static partial void MalformedFrame(ILogger logger, string node, string channel);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Redis backplane node {Node}: the handler threw on a connection event")]
    public static partial void HandlerFailed(ILogger logger, string node, Exception error);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Redis backplane node {Node}: channel {Channel} did not deliver a probe after the connection came back; subscribing it again")]
    public static partial void Resubscribing(ILogger logger, string node, string channel);

    [LoggerMessage(EventId = 112, Level = LogLevel.Debug, Message = "Redis backplane node {Node}: cleanup on dispose failed")]
    public static partial void DisposeFailed(ILogger logger, string node, Exception error);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Redis backplane node {Node}: a history entry of topic '{Topic}' is malformed; the history read is reported incomplete")]
    public static partial void MalformedHistory(ILogger logger, string node, string topic);

    [LoggerMessage(EventId = 114, Level = LogLevel.Debug, Message = "Redis backplane node {Node}: background work failed")]
    public static partial void BackgroundFailed(ILogger logger, string node, Exception error);
}
