namespace RxSockets.Resumption;

/// <summary>
/// One direction's numbering and its bounded replay log: the wire form of every message sent but not yet
/// acknowledged, numbered <see cref="FirstRetained"/> to <see cref="NextSequence"/> − 1. Beyond
/// <c>maxMessages</c> or <c>maxBytes</c> the oldest entries are discarded (the newest is always kept), which makes
/// resuming impossible for a peer that still needed them. Sans-I/O; not thread-safe (its owner locks).
/// </summary>
internal sealed class ReplayLog(int maxMessages, long maxBytes)
{
    private readonly Queue<Message> _entries = new();

    /// <summary>The number the next appended message gets; numbering starts at 1.</summary>
    public long NextSequence { get; private set; } = 1;

    /// <summary>The number of the oldest message still held (equal to <see cref="NextSequence"/> when empty).</summary>
    public long FirstRetained => NextSequence - _entries.Count;

    /// <summary>Messages held.</summary>
    public int Count => _entries.Count;

    /// <summary>Wire bytes held.</summary>
    public long Bytes { get; private set; }

    /// <summary>Messages discarded unacknowledged because a limit was reached.</summary>
    public long Discarded { get; private set; }

    /// <summary>Numbers a user message, remembers its wire form and returns it.</summary>
    public Message Append(in Message user)
    {
        var wire = ResumeEnvelope.Data(NextSequence, user);
        NextSequence++;
        _entries.Enqueue(wire);
        Bytes += wire.Data.Length;
        while (_entries.Count > 1 && (_entries.Count > maxMessages || Bytes > maxBytes))
        {
            Bytes -= _entries.Dequeue().Data.Length;
            Discarded++;
        }

        return wire;
    }

    /// <summary>Forgets every message up to <paramref name="sequence"/>, which the peer has received. False when the
    /// peer acknowledges a number never sent.</summary>
    public bool Acknowledge(long sequence)
    {
        if (sequence < 0 || sequence >= NextSequence)
        {
            return false;
        }

        while (_entries.Count > 0 && FirstRetained <= sequence)
        {
            Bytes -= _entries.Dequeue().Data.Length;
        }

        return true;
    }

    /// <summary>Whether a peer that received everything up to <paramref name="peerLastReceived"/> can be given every
    /// later message from this log, so that it misses nothing.</summary>
    public bool CanReplayAfter(long peerLastReceived) =>
        peerLastReceived >= 0 && peerLastReceived < NextSequence && peerLastReceived + 1 >= FirstRetained;

    /// <summary>The wire messages after <paramref name="peerLastReceived"/>, oldest first (check
    /// <see cref="CanReplayAfter"/> first).</summary>
    public Message[] After(long peerLastReceived)
    {
        var skip = (int)Math.Max(0, peerLastReceived + 1 - FirstRetained);
        return [.. _entries.Skip(skip)];
    }

    /// <summary>Starts over: empty, numbering from 1.</summary>
    public void Reset()
    {
        _entries.Clear();
        Bytes = 0;
        NextSequence = 1;
    }
}
