using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace RxSockets;

// The topic's sinks, each an observer or an enumeration's bounded buffer: handing them a publication (with
// backpressure from full buffers) and ending them.
public sealed partial class ClientTopic
{
    /// <summary>Hands one publication to every sink, waiting for room in full enumeration buffers (backpressure).</summary>
    internal async ValueTask DeliverAsync(Sink[] sinks, Message message, CancellationToken cancellationToken)
    {
        foreach (var sink in sinks)
        {
            if (sink.Observer is { } observer)
            {
                try
                {
                    observer.OnNext(message);
                }
#pragma warning disable CA1031 // An observer's exception must never reach the read loop: it is reported and the observer removed.
                catch (Exception error)
#pragma warning restore CA1031
                {
                    Remove(sink);
                    _owner.OnObserverFault(error);
                }
            }
            else if (!sink.Buffer!.Writer.TryWrite(message))
            {
                Interlocked.Increment(ref _stalls);
                try
                {
                    await sink.Buffer.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    // The enumeration ended meanwhile.
                }
            }
        }
    }

    /// <summary>Ends the sinks: with <paramref name="error"/>, or completed when it is null.</summary>
    internal static void Terminate(Sink[] sinks, Exception? error)
    {
        foreach (var sink in sinks)
        {
            if (sink.Observer is { } observer)
            {
                try
                {
                    if (error is null)
                    {
                        observer.OnCompleted();
                    }
                    else
                    {
                        observer.OnError(error);
                    }
                }
#pragma warning disable CA1031 // An observer's exception must never reach the loop that ends it.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
            else
            {
                sink.Buffer!.Writer.TryComplete(error);
            }
        }
    }

    private async IAsyncEnumerable<Message> ReadCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = Channel.CreateBounded<Message>(new BoundedChannelOptions(_owner.BufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var sink = new Sink(null, buffer);
        if (!Add(sink))
        {
            yield break;
        }

        try
        {
            while (await buffer.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (buffer.Reader.TryRead(out var message))
                {
                    yield return message;
                }
            }
        }
        finally
        {
            Remove(sink);
        }
    }

    /// <summary>One observer (<see cref="Observer"/>) or enumeration (<see cref="Buffer"/>) of the topic.</summary>
    internal sealed class Sink(IObserver<Message>? observer, Channel<Message>? buffer)
    {
        public IObserver<Message>? Observer { get; } = observer;

        public Channel<Message>? Buffer { get; } = buffer;
    }
}
