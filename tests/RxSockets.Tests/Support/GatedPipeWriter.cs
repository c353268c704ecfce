using System.IO.Pipelines;

namespace RxSockets.Tests.Support;

/// <summary>
/// A writer that counts flushes and holds the first one until <see cref="ReleaseFirstFlush"/>, so a test can queue
/// more work while the writer is known to be busy.
/// </summary>
internal sealed class GatedPipeWriter(PipeWriter inner) : PipeWriter
{
    private readonly TaskCompletionSource _firstFlushStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _flushes;

    public int Flushes => Volatile.Read(ref _flushes);

    /// <summary>Completes when the first flush is waiting at the gate.</summary>
    public Task FirstFlushStarted => _firstFlushStarted.Task;

    public void ReleaseFirstFlush() => _gate.TrySetResult();

    public override void Advance(int bytes) => inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _flushes) == 1)
        {
            _firstFlushStarted.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }

        return await inner.FlushAsync(cancellationToken);
    }
}
