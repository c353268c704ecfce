using System.Buffers;
using System.IO.Pipelines;

namespace RxSockets.Testing;

/// <summary>
/// The writing end of a <see cref="LinkDirection"/>. It keeps the bytes written since the last flush and hands them
/// over whole at <see cref="FlushAsync"/>: a flush is the unit a fault acts on (a WebSocket writer flushes whole
/// frames, so dropping a flush never tears a frame apart).
/// </summary>
internal sealed class LinkWriter(LinkDirection direction) : PipeWriter
{
    private readonly ArrayBufferWriter<byte> _pending = new();

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _pending.WrittenCount;

    public override void Advance(int bytes) => _pending.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

    public override void CancelPendingFlush() => direction.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        _pending.ResetWrittenCount();   // unflushed bytes never left, as with a pipe
        direction.CompleteWriting(exception);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var data = _pending.WrittenSpan.ToArray();
        _pending.ResetWrittenCount();
        return direction.SendAsync(data, cancellationToken);
    }
}
