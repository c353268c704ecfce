using System.Reflection;
using RxSockets.Transport;

namespace RxSockets.Tests.Support;

/// <summary>
/// Looks inside a connection's <see cref="Session"/> where no public signal exists: whether the read loop is holding
/// back for backpressure. Used only to know when a test may advance virtual time.
/// </summary>
internal static class SessionProbe
{
    private static readonly FieldInfo s_session = typeof(WebSocketConnection).GetField("_session", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException(nameof(WebSocketConnection), "_session");

    private static readonly FieldInfo s_readPaused = typeof(Session).GetField("_readPaused", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException(nameof(Session), "_readPaused");

    public static Session Of(WebSocketConnection connection) => (Session)s_session.GetValue(connection)!;   // always set by the constructor

    public static bool IsReadPaused(WebSocketConnection connection) => (bool)s_readPaused.GetValue(Of(connection))!;   // a bool field

    /// <summary>Waits until the read loop has stopped reading because the receive queue is full.</summary>
    public static Task WaitUntilReadPausedAsync(WebSocketConnection connection, CancellationToken cancellationToken) =>
        Until.TrueAsync(() => IsReadPaused(connection), cancellationToken);
}
