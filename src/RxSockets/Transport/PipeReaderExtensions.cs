using System.IO.Pipelines;
using RxSockets.Protocol.Handshake;

namespace RxSockets.Transport;

/// <summary>Reading helpers the handshake and the session share.</summary>
internal static class PipeReaderExtensions
{
    /// <summary>Discards everything until the peer ends its side. Closing a socket that still holds unread bytes
    /// resets the connection, which could destroy an answer or close frame still on its way to the peer.</summary>
    public static async ValueTask DrainAsync(this PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    /// <summary>After the connection failed the peer's bytes cannot be parsed any more: discards them until the peer
    /// closes (within the close timeout, which aborts the read), so our close frame is not destroyed by a reset.
    /// Whatever ends the wait, the outcome is decided already: nothing is thrown.</summary>
    public static async ValueTask DrainQuietlyAsync(this PipeReader input)
    {
        try
        {
            await input.DrainAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // The close timeout or a reset ended the wait.
        }
    }

    /// <summary>Reads one HTTP head (bounded by <paramref name="maxHeaderBytes"/>) and consumes it, leaving what follows
    /// it (frames, a body) unread. <see cref="HttpHeadParseStatus.NeedMoreData"/> means the peer ended its side before
    /// a whole head arrived.</summary>
    public static async ValueTask<(HttpHeadParseStatus Status, HttpHead? Head, string? Error)> ReadHeadAsync(
        this PipeReader input, HttpHeadKind kind, int maxHeaderBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = HttpHead.TryParse(ref buffer, kind, maxHeaderBytes, out var head, out var error);
            if (status != HttpHeadParseStatus.NeedMoreData)
            {
                input.AdvanceTo(buffer.Start);
                return (status, head, error);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return (status, null, null);
            }
        }
    }
}
