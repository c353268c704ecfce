using System.Reactive.Concurrency;

namespace RxSockets.Transport;

/// <summary>
/// The opening handshake's time limit on the connection's clock, both roles: <see cref="Token"/> is cancelled by the
/// caller's token or when <see cref="ConnectionOptions.HandshakeTimeout"/> has passed on the options' scheduler.
/// </summary>
internal sealed class HandshakeDeadline : IDisposable
{
    private readonly CancellationTokenSource _expired = new();
    private readonly IDisposable? _timer;
    private readonly CancellationTokenSource _linked;

    public HandshakeDeadline(ConnectionOptions options, CancellationToken cancellationToken)
    {
        _timer = options.HandshakeTimeout == Timeout.InfiniteTimeSpan ? null : options.Scheduler.Schedule(options.HandshakeTimeout, _expired.Cancel);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _expired.Token);
    }

    /// <summary>Cancelled by the caller or by the deadline.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>True once the time limit (not the caller) ended the handshake.</summary>
    public bool HasExpired => _expired.IsCancellationRequested;

    public void Dispose()
    {
        _linked.Dispose();
        _timer?.Dispose();
        _expired.Dispose();
    }
}
