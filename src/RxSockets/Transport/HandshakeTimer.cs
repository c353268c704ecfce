namespace RxSockets.Transport;

/// <summary>
/// One server handshake's place on its <see cref="HandshakeClock"/>: a value, so timing a handshake allocates nothing.
/// The default value (no clock) never expires and is never evicted.
/// </summary>
/// <remarks>Owned by one handshake, which calls <see cref="Finish"/> exactly once, whatever the outcome.</remarks>
internal readonly struct HandshakeTimer
{
    private readonly HandshakeClock? _clock;
    private readonly long _id;

    internal HandshakeTimer(HandshakeClock clock, long id)
    {
        _clock = clock;
        _id = id;
    }

    /// <summary>
    /// A token cancelled by <paramref name="cancellationToken"/> or when the handshake expires, for work that takes
    /// only a token (TLS, the verification hook); plain reads and flushes need none, as expiry cancels them directly.
    /// Valid until <see cref="Finish"/>.
    /// </summary>
    public CancellationToken CreateToken(CancellationToken cancellationToken) =>
        _clock is null ? cancellationToken : _clock.CreateToken(_id, cancellationToken);

    /// <summary>The request has arrived: the handshake leaves the pending budget, and can no longer be evicted (the time
    /// limit still applies). False when it was evicted or expired first (the handshake must then be abandoned: its
    /// transport may hold a cancelled read).</summary>
    public bool LeavePending() => _clock is null || _clock.LeavePending(_id);

    /// <summary>Whether the pending budget, rather than the time limit, ended the handshake. Valid until
    /// <see cref="Finish"/>.</summary>
    public bool WasEvicted => _clock is not null && _clock.WasEvicted(_id);

    /// <summary>Stops timing; false when the time limit had passed or the handshake was evicted (the handshake must
    /// then be abandoned).</summary>
    public bool Finish() => _clock is null || _clock.Finish(_id);
}
