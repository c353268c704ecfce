namespace RxSockets.Resumption;

/// <summary>
/// The state one end of a resumable session keeps across connections: the numbering and replay log of what it sends,
/// the last number it received, and when to acknowledge. Sans-I/O (no clock, no socket). Thread-safe: the read path,
/// the send path and the acknowledgement timer may call it concurrently.
/// </summary>
internal sealed class ResumeStream(ResumeOptions options)
{
    private readonly object _gate = new();
    private readonly ReplayLog _log = new(options.MaxReplayMessages, options.MaxReplayBytes);
    private long _lastReceived;
    private long _lastAckSent;

    /// <summary>The last number received and delivered, in order, from the peer.</summary>
    public long LastReceived
    {
        get
        {
            lock (_gate)
            {
                return _lastReceived;
            }
        }
    }

    /// <summary>The first number of ours the peer could still be given.</summary>
    public long FirstRetained
    {
        get
        {
            lock (_gate)
            {
                return _log.FirstRetained;
            }
        }
    }

    /// <summary>Whether every message sent was acknowledged.</summary>
    public bool AllAcknowledged
    {
        get
        {
            lock (_gate)
            {
                return _log.Count == 0;
            }
        }
    }

    /// <summary>Numbers a user message and keeps it for replay; returns its wire form.</summary>
    public Message Wrap(in Message user)
    {
        lock (_gate)
        {
            return _log.Append(user);
        }
    }

    /// <summary>What a received data number means; does not change the state.</summary>
    public InboundVerdict Check(long sequence)
    {
        lock (_gate)
        {
            return sequence <= _lastReceived ? InboundVerdict.Duplicate
                : sequence == _lastReceived + 1 ? InboundVerdict.Next
                : InboundVerdict.Gap;
        }
    }

    /// <summary>Records that <paramref name="sequence"/> (which <see cref="Check"/> called next) was delivered. True
    /// when <see cref="ResumeOptions.AckEvery"/> messages await acknowledgement: acknowledge now.</summary>
    public bool Commit(long sequence)
    {
        lock (_gate)
        {
            _lastReceived = sequence;
            return _lastReceived - _lastAckSent >= options.AckEvery;
        }
    }

    /// <summary>The acknowledgement to send, if anything arrived since the last one sent; call
    /// <see cref="MarkAckSent"/> once it is on its way.</summary>
    public bool TryGetAck(out long sequence)
    {
        lock (_gate)
        {
            sequence = _lastReceived;
            return _lastReceived > _lastAckSent;
        }
    }

    /// <summary>Records that the acknowledgement of <paramref name="sequence"/> was queued for sending.</summary>
    public void MarkAckSent(long sequence)
    {
        lock (_gate)
        {
            _lastAckSent = Math.Max(_lastAckSent, sequence);
        }
    }

    /// <summary>The peer received everything up to <paramref name="sequence"/>. False for a number never sent.</summary>
    public bool Acknowledge(long sequence)
    {
        lock (_gate)
        {
            return _log.Acknowledge(sequence);
        }
    }

    /// <summary>Whether a peer that received up to <paramref name="peerLastReceived"/> can miss nothing.</summary>
    public bool CanReplayAfter(long peerLastReceived)
    {
        lock (_gate)
        {
            return _log.CanReplayAfter(peerLastReceived);
        }
    }

    /// <summary>Opens a connection of a continuing session: the peer told us it received up to
    /// <paramref name="peerLastReceived"/> (acknowledging it) and learnt our last received number in the same
    /// exchange. Returns the messages to send again, oldest first.</summary>
    public Message[] Resume(long peerLastReceived)
    {
        lock (_gate)
        {
            _log.Acknowledge(peerLastReceived);
            _lastAckSent = _lastReceived;
            return _log.After(peerLastReceived);
        }
    }

    /// <summary>Starts a fresh session: nothing sent, nothing received.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _log.Reset();
            _lastReceived = 0;
            _lastAckSent = 0;
        }
    }
}
