using System.Diagnostics.CodeAnalysis;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace RxSockets.Transport;

/// <summary>
/// The opening handshake's time limit on the connection's clock: <see cref="Token"/> is cancelled by the caller's token
/// or when the handshake timeout (<c>ConnectionOptions.HandshakeTimeout</c>) has passed on the connection's scheduler.
/// </summary>
/// <remarks>
/// A server runs one per accepted socket, so it is kept cheap: a struct around one <see cref="CancellationTokenSource"/>
/// (none at all without a time limit), which the caller's token cancels through a registration rather than a linked
/// source. On the default scheduler the source's own timer keeps the time (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>,
/// the same system clock); any other scheduler, such as a test's virtual clock, gets the work scheduled on it.
/// Used by one handshake at a time; disposed once, by its owner.
/// </remarks>
[SuppressMessage("Design", "CA1001", Justification = "It is disposable: the rule does not see IDisposable on a struct.")]
internal readonly struct HandshakeDeadline : IDisposable
{
    // CancelAfter takes at most uint.MaxValue - 1 milliseconds; longer limits go through the scheduler.
    private static readonly TimeSpan s_maxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly CancellationTokenSource? _source;
    private readonly CancellationToken _caller;
    private readonly CancellationTokenRegistration _link;
    private readonly IDisposable? _timer;

    /// <param name="timeout">The time limit; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <param name="scheduler">The clock it runs on.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public HandshakeDeadline(TimeSpan timeout, IScheduler scheduler, CancellationToken cancellationToken)
    {
        _caller = cancellationToken;
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return;   // the caller's token alone
        }

        _source = new CancellationTokenSource();
        if (ReferenceEquals(scheduler, DefaultScheduler.Instance) && timeout <= s_maxTimerDelay)
        {
            _source.CancelAfter(timeout);
        }
        else
        {
            _timer = scheduler.Schedule(_source, timeout, static (_, source) =>
            {
                try
                {
                    source.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // Fired while the handshake ended: nothing left to cancel.
                }

                return Disposable.Empty;
            });
        }

        if (cancellationToken.CanBeCanceled)
        {
            _link = cancellationToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), _source);
        }
    }

    /// <summary>Cancelled by the caller or by the deadline.</summary>
    public CancellationToken Token => _source?.Token ?? _caller;

    /// <summary>True once the time limit (not the caller) ended the handshake: cancelled while the caller's token is not.</summary>
    public bool HasExpired => _source is { IsCancellationRequested: true } && !_caller.IsCancellationRequested;

    public void Dispose()
    {
        // The registration first: once it is gone, the caller can no longer cancel a disposed source.
        _link.Dispose();
        _timer?.Dispose();
        _source?.Dispose();
    }
}
