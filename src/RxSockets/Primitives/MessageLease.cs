namespace RxSockets;

/// <summary>
/// A received message whose payload lives in a pooled buffer that the consumer gives back: the zero-copy way to
/// consume a connection (<see cref="WebSocketConnection.ReadLeasesAsync"/>). Dispose the lease when done with the
/// payload, or hand it to <see cref="WebSocketConnection.SendAsync(MessageLease, CancellationToken)"/>, which sends the
/// same bytes and gives the buffer back once they are written. Either way no array is allocated per message.
/// </summary>
/// <remarks>
/// <para>The rule that makes it safe: the payload is valid until the lease is disposed or sent, and not after. Every
/// member throws <see cref="ObjectDisposedException"/> once the lease is over (a copy of the lease struct too: they
/// share one buffer), so a stale lease fails loudly instead of reading the next message's bytes. A
/// <see cref="RxSockets.Message"/> taken from <see cref="Message"/> points into the same buffer: keep it no longer
/// than the lease, or take an owned copy with <see cref="ToMessage"/>.</para>
/// <para>Disposing twice, or disposing a lease already sent, does nothing. A lease never disposed is not a leak: the
/// buffer is then simply not reused, and the garbage collector takes it. Messages that are not pooled (a decompressed
/// permessage-deflate message, messages read before leasing began) come as leases too, over their own arrays
/// (<see cref="IsPooled"/> false); disposing those does nothing.</para>
/// </remarks>
public readonly struct MessageLease : IDisposable
{
    private readonly Message _message;
    private readonly PooledPayload? _owner;
    private readonly int _version;

    internal MessageLease(Message message)
    {
        _message = message;
        _owner = PooledPayload.Of(message.Data);
        _version = _owner?.Version ?? 0;
    }

    /// <summary>The message, its payload in the leased buffer: valid until the lease is disposed or sent.</summary>
    /// <exception cref="ObjectDisposedException">The lease is over.</exception>
    public Message Message
    {
        get
        {
            ThrowIfOver();
            return _message;
        }
    }

    /// <summary>The message type.</summary>
    /// <exception cref="ObjectDisposedException">The lease is over.</exception>
    public MessageType Type => Message.Type;

    /// <summary>The payload, in the leased buffer: valid until the lease is disposed or sent.</summary>
    /// <exception cref="ObjectDisposedException">The lease is over.</exception>
    public ReadOnlyMemory<byte> Data => Message.Data;

    /// <summary>True when the payload is in a pooled buffer that disposing gives back.</summary>
    public bool IsPooled => _owner is not null;

    /// <summary>True until the lease is disposed or sent; always true for a lease that is not pooled (nothing to give
    /// back: its message owns its array).</summary>
    public bool IsLive => _owner is null || _owner.IsLive(_version);

    /// <summary>An owned copy of the message, which stays valid after the lease is over (one array allocated).</summary>
    /// <exception cref="ObjectDisposedException">The lease is over.</exception>
    public Message ToMessage()
    {
        var message = Message;
        return _owner is null ? message : Message.Create(message.Type, message.Data.ToArray());
    }

    /// <summary>Gives the buffer back to the pool. Idempotent.</summary>
    public void Dispose() => _owner?.Release(_version);

    /// <summary>Hands the lease to a sender, which gives the buffer back after writing it (version 0: nothing to give
    /// back). The lease, and every copy of it, is over from now on.</summary>
    /// <exception cref="ObjectDisposedException">The lease is already over.</exception>
    internal (Message Message, int Version) Transfer()
    {
        if (_owner is null)
        {
            return (_message, 0);
        }

        if (!_owner.TryHandOver(_version, out var sent))
        {
            ThrowIfOver();
        }

        return (_message, sent);
    }

    /// <summary>A short description for logs and debuggers: the type and size, never the payload.</summary>
    public override string ToString() => IsLive ? $"{_message} (leased)" : "message lease (over)";

    private void ThrowIfOver()
    {
        if (_owner is not null && !_owner.IsLive(_version))
        {
            throw new ObjectDisposedException(nameof(MessageLease), "The lease is over: its buffer was given back (disposed or sent).");
        }
    }
}
