using System.IO.Pipelines;

namespace RxSockets.Transport;

/// <summary>
/// A <see cref="PipeReader"/> whose pending read can be waited for with a callback and a state object instead of an
/// awaiter: the read loop then keeps no state machine while it waits (an idle connection's largest object). The epoll
/// socket is one; other readers are awaited.
/// </summary>
internal interface IReadWaitSource
{
    /// <summary>Calls <paramref name="continuation"/> with <paramref name="state"/> once the read that
    /// <see cref="PipeReader.ReadAsync"/> last returned pending completes (at once, from the thread pool, when it already
    /// has), in the execution context of this call.</summary>
    void OnReadCompleted(Action<object?> continuation, object state);

    /// <summary>The outcome of that read once it completed: what awaiting its <see cref="ValueTask{TResult}"/> gives
    /// (or throws). Called once per pending read, instead of awaiting it.</summary>
    ReadResult GetReadResult();
}
