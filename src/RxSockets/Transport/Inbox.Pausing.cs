using RxSockets.Transport.Sockets;

namespace RxSockets.Transport;

/// <summary>The application's pause of reading (<see cref="Pause"/>, <see cref="Resume"/>, the read loop's park), and
/// the closing signal that ends every wait of the read loop (for the consumer, for Resume, for room for pongs).</summary>
internal sealed partial class Inbox
{
    private bool _closingSignalled;
    private volatile bool _paused;   // the application paused reading (see Pause)
    private volatile bool _parked;   // the read loop is waiting for Resume

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused => _paused;

    /// <summary>True while the read loop actually waits for <see cref="Resume"/> (it reads nothing meanwhile).</summary>
    public bool IsParked => _parked;

    /// <summary>True when the read loop should park before its next read: paused, and not closing (the peer's close
    /// frame must then be read).</summary>
    public bool ShouldPark => _paused && !_closingSignalled;

    /// <summary>Stops reading from <paramref name="transport"/> until <see cref="Resume"/>: the bytes the peer sends
    /// stay in the socket (TCP holds the peer back), nothing is lost. What the current read already holds is still
    /// handled.</summary>
    public void Pause(ITransport transport)
    {
        lock (this)
        {
            if (_paused)
            {
                return;
            }

            _paused = true;
            Rare.Resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // The read loop may be waiting for bytes: whatever arrived next would be delivered. Cancelling that read sends
        // it back to the top of its loop, where it parks (a cancelled read that is not an abort reads nothing).
        try
        {
            transport.Input.CancelPendingRead();
        }
        catch (Exception error) when (error is ObjectDisposedException or InvalidOperationException)
        {
            // The transport is already completed: the read loop is over.
        }
    }

    /// <summary>Lets the read loop read again after <see cref="Pause"/>; nothing when not paused.</summary>
    public void Resume()
    {
        TaskCompletionSource? resumed;
        lock (this)
        {
            if (!_paused)
            {
                return;
            }

            _paused = false;
            var extras = Rare;   // Pause made it
            resumed = extras.Resumed;
            extras.Resumed = null;
        }

        resumed?.TrySetResult();
    }

    /// <summary>Ends the read loop's waits (for a slow consumer, for Resume, for room for pongs): we are closing.</summary>
    public void SignalClosing()
    {
        CancellationTokenSource? source;
        lock (this)
        {
            _closingSignalled = true;
            source = (ExistingExtras as InboxExtras)?.ClosingSource;   // none when nothing waited: nothing to cancel
        }

        source?.Cancel();
    }

    /// <summary>The token <see cref="SignalClosing"/> cancels, made on first use.</summary>
    public CancellationToken ClosingToken()
    {
        lock (this)
        {
            var extras = Rare;
            if (extras.ClosingSource is null)
            {
                extras.ClosingSource = new CancellationTokenSource();
                if (_closingSignalled)
                {
                    extras.ClosingSource.Cancel();
                }
            }

            return extras.ClosingSource.Token;
        }
    }

    /// <summary>Waits, reading nothing, until <see cref="Resume"/> or until the connection is closing (the peer's close
    /// frame must then be read). The keepalive deadline is suspended meanwhile: the peer's pong may be among the
    /// bytes deliberately left unread; pings still go out. The replies the last batch queued go out first.</summary>
    public async ValueTask ParkAsync(SendQueue outbox, IHeartbeatOwner? heartbeat)
    {
        Task resumed;
        lock (this)
        {
            if (ExistingExtras is not InboxExtras { Resumed: { } pending })
            {
                return;
            }

            resumed = pending.Task;
        }

        // The replies the last batch queued go out now rather than after the pause.
        outbox.WakeAfterBatch(inline: false);
        _parked = true;
        try
        {
            await resumed.WaitAsync(ClosingToken()).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closing (or aborted): read on, to the peer's close frame.
        }
        finally
        {
            _parked = false;
            heartbeat?.OnActivity();
        }
    }
}
