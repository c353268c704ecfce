namespace RxSockets.Resumption;

/// <summary>A session the server ended, remembered to tell a client that comes back to resume it.</summary>
/// <param name="Id">The session.</param>
/// <param name="Status">How the server ended it.</param>
/// <param name="LastReceived">The last number the server received from the client.</param>
/// <param name="Forget">The scheduled removal of this record.</param>
internal sealed record SessionEnd(string Id, CloseStatus Status, long LastReceived, IDisposable? Forget);
