using System.IO.Pipelines;
using System.Net;

namespace RxSockets.Transport.Sockets;

/// <summary>Any <see cref="IDuplexPipe"/> as an <see cref="ITransport"/>: ending it completes the pipes.</summary>
internal sealed class PipeTransport(IDuplexPipe pipe) : ITransport
{
    private int _closed;

    public PipeReader Input => pipe.Input;

    public PipeWriter Output => pipe.Output;

    public IPEndPoint? RemoteEndPoint => null;

    public void ShutdownOutput() => pipe.Output.Complete();

    public async ValueTask CloseAsync(bool shutdownFirst)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            await pipe.Input.CompleteAsync().ConfigureAwait(false);
            await pipe.Output.CompleteAsync().ConfigureAwait(false);
        }
    }
}
