using System.Buffers;
using System.IO.Pipelines;

namespace RxSockets.Transport;

/// <summary>The writer pass: the only writer of the transport, run on demand by the <see cref="SendQueue"/> it is part
/// of. The protocol frames what it takes from the queue and decides when our close frame goes.</summary>
internal sealed partial class Outbox
{
    /// <summary>One writer pass: control frames first, then data, many frames per flush; our close frame once the data
    /// before it is out. Ends when nothing is left (idle until the next wake-up) or when writing is over for good.</summary>
    protected override async Task WritePassAsync()
    {
        var output = _transport.Output;
        try
        {
            while (!IsAborted)
            {
                var wrote = WriteControlFrames(output) | WriteDataFrames(output);
                var closing = _protocol.ShouldWriteClose(IsDrained);
                if (closing)
                {
                    _protocol.WriteClose(output);
                    wrote = true;
                }

                if (wrote)
                {
                    var flush = await output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        break;
                    }
                }

                if (closing)
                {
                    if (_protocol.ShutdownOutputAfterClose)
                    {
                        // We failed the connection and are draining the peer's bytes: FIN tells it we are done.
                        _transport.ShutdownOutput();
                    }

                    break;
                }

                if (!wrote && TryGoIdle())
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (IsAborted)
        {
        }
#pragma warning disable CA1031 // A pass is started and not awaited: whatever fails it ends the connection, never the process.
        catch (Exception error)
#pragma warning restore CA1031
        {
            _driver.Abort(error);
        }

        WriterFinished();
    }

    private bool WriteControlFrames(PipeWriter output)
    {
        var wrote = false;
        while (TryDequeueControl(out var frame))
        {
            _protocol.WriteControl(output, frame.Opcode, frame.Payload);
            wrote = true;
        }

        return wrote;
    }

    private bool WriteDataFrames(PipeWriter output)
    {
        // One flush per batch of frames: 64 KiB, or more when the transport's peer takes larger ones whole (see
        // ITransport.WriteBatchSize): a stream of 64 KiB messages then leaves several per system call.
        var batch = _transport.WriteBatchSize;
        var written = 0L;
        var wrote = false;
        while (written < batch && TryDequeue(out var item))
        {
            var length = item.Length;   // read before a pooled frame is released (and perhaps reused)
            if (_protocol.FailFast)
            {
                item.Release();   // dropped: what the entry holds goes back
                continue;
            }

            if (item.Prepared is { } prepared)
            {
                output.Write(prepared.SelectFor(_protocol.Deflate));
            }
            else
            {
                _protocol.WriteMessage(output, item.Message);
            }

            item.Release();   // copied into the transport: a pooled frame or a lease's buffer may go back to its pool

            written += length;
            wrote = true;
            Diagnostics.RxSocketsMetrics.MessageSent(_protocol.Role, _driver.MetricsPort, length);
        }

        return wrote;
    }
}
