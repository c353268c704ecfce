namespace RxSockets;

// The receiving side: one Incoming stream across connections, and pausing the reads of every connection.
public sealed partial class WebSocketClient
{
    /// <summary>Received messages from every connection in turn: hot and multicast, nothing lost before the first
    /// subscription. Completes when the client is disposed. With <see cref="WebSocketClientOptions.Messaging"/> it
    /// carries nothing (every message is a protocol frame: read <see cref="Topic"/> instead).</summary>
    public IObservable<Message> Incoming => _incoming;

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused => Volatile.Read(ref _paused) == 1;

    /// <summary>Stops reading (see <see cref="WebSocketConnection.Pause"/>) on the current connection and on every
    /// connection made after it until <see cref="Resume"/>; a resumable session's re-attach, which must read the
    /// server's answer, waits for Resume too. Idempotent.</summary>
    public void Pause()
    {
        Interlocked.Exchange(ref _paused, 1);   // a full fence: either LiveAsync sees the flag or this sees its connection
        Volatile.Read(ref _current)?.Pause();
    }

    /// <summary>Reads again after <see cref="Pause"/>, on the current connection and the next ones. Idempotent.</summary>
    public void Resume()
    {
        Interlocked.Exchange(ref _paused, 0);
        Volatile.Read(ref _current)?.Resume();
    }

    /// <summary>Reads received messages with <c>await foreach</c>, across reconnections; ends when the client is disposed.</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the client).</param>
    public IAsyncEnumerable<Message> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _incoming.ReadAllAsync(cancellationToken);
}
