namespace RxSockets.Resumption;

/// <summary>One connection of a <see cref="ResumableSession"/> while it serves the session: the connection, the pump
/// that reads it, and the acknowledgement timer.</summary>
internal sealed class ResumeAttachment(WebSocketConnection connection) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public WebSocketConnection Connection { get; } = connection;

    /// <summary>Stops the pump (a takeover or the session's end).</summary>
    public CancellationToken Token => _stop.Token;

    public Task Pump { get; set; } = Task.CompletedTask;

    public IDisposable? AckTimer { get; set; }

    /// <summary>Drops the connection at once and stops its pump.</summary>
    public void Stop()
    {
        Connection.Abort();
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Its pump ended and disposed it already (a takeover may stop an attachment twice).
        }
    }

    public void Dispose()
    {
        AckTimer?.Dispose();
        _stop.Dispose();
    }
}
