using Microsoft.Extensions.Logging;

namespace RxSockets.Hosting;

/// <summary>The hosting's own log messages (category <c>RxSockets.Hosting</c>), source-generated, with stable event ids.
/// The clients and the server log under their own categories (<c>RxSockets.Client</c>, <c>RxSockets.Server</c>…).</summary>
internal static partial class Log
{
    public const string Category = "RxSockets.Hosting";

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Starting RxSockets client '{Name}' to {Url}")]
    public static partial void ClientStarting(ILogger logger, string name, Uri url);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "RxSockets client '{Name}' stopped before its first connection opened")]
    public static partial void ClientStartFailed(ILogger logger, string name, Exception error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Stopping RxSockets client '{Name}'")]
    public static partial void ClientStopping(ILogger logger, string name);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "RxSockets server listening at {Url}")]
    public static partial void ServerStarted(ILogger logger, Uri url);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Stopping the RxSockets server: {Count} clients are closed with 1001 (going away)")]
    public static partial void ServerStopping(ILogger logger, int count);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "The connection handler failed on connection {ConnectionId}; it is closed with 1011")]
    public static partial void HandlerFailed(ILogger logger, long connectionId, Exception error);

    [LoggerMessage(EventId = 113, Level = LogLevel.Debug, Message = "Connection {ConnectionId} ended under its handler with {Code}")]
    public static partial void HandlerConnectionLost(ILogger logger, long connectionId, CloseCode code);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "Disposing the service scope of connection {ConnectionId} failed")]
    public static partial void ScopeDisposalFailed(ILogger logger, long connectionId, Exception error);
}
