namespace RxSockets;

/// <summary>A receive buffer that can lend a whole message's bytes to a <see cref="MessageLease"/> instead of copying
/// them (zero-copy receive): the bytes stay untouched, and out of the pool, until the pipe and every lease over them
/// are done. Implemented by the epoll pipe's segments; the protocol sees only this.</summary>
internal interface IPayloadLender
{
    /// <summary>The buffer's array: the protocol checks (and, on the server, unmasks) the payload in place before lending.</summary>
    byte[] Array { get; }

    /// <summary>Lends bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of
    /// <see cref="Array"/> as a pooled payload; called only by the buffer's reader, while it holds the buffer.</summary>
    ReadOnlyMemory<byte> Lend(int offset, int length);

    /// <summary>One payload over lent bytes is over (given back once, by <see cref="PooledPayload"/>).</summary>
    void EndLoan();
}
