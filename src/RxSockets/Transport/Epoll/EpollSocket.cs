using System.IO.Pipelines;
using System.Net;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// A TCP connection driven by our own epoll loop instead of <see cref="System.Net.Sockets.Socket"/>: the descriptor,
/// its two readiness signals and the pipe reader and writer that call <c>recv</c>/<c>send</c> directly. It exists for
/// density and speed on a busy server: an idle connection holds no buffer, no pending operation object and no
/// per-read registration, and a busy one reads and writes without an event when the kernel is ready. The socket is its
/// own <see cref="Input"/> (EpollSocket.Reading.cs).
/// </summary>
internal sealed partial class EpollSocket : ITransport, IEpollTarget
{
    private readonly EpollEngine _engine;
    private readonly int _slot;
    private bool _closed;
    private AsyncSignal? _writable;

    public EpollSocket(EpollEngine engine, int fd, IPEndPoint? remoteEndPoint)
    {
        _engine = engine;
        Fd = new SafeFd(fd);
        RemoteEndPoint = remoteEndPoint;
        Output = new EpollPipeWriter(this);
        try
        {
            _slot = engine.Register(fd, this, Libc.EPOLLIN | Libc.EPOLLOUT | Libc.EPOLLRDHUP);
        }
        catch
        {
            Fd.Dispose();
            throw;
        }
    }

    public SafeFd Fd { get; }

    public IPEndPoint? RemoteEndPoint { get; }

    public PipeReader Input => this;

    public PipeWriter Output { get; }

    public int WriteBatchSize => ((EpollPipeWriter)Output).BatchSize;

    /// <summary>Set when the socket may take more bytes; made by the first flush that has to wait (most never do), so
    /// only that flush's retry after making it can have missed an earlier event.</summary>
    internal AsyncSignal? Writable => Volatile.Read(ref _writable);

    internal AsyncSignal GetOrCreateWritable() => LazyInitializer.EnsureInitialized(ref _writable);

    public void OnEvents(uint events, bool inline)
    {
        if ((events & (Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
        {
            // Before the wake-up: a read that took the last bytes still has the end of the stream (or the error) to
            // read, and no later event will say so (see ReadAsync).
            Volatile.Write(ref _hangUp, true);
        }

        if ((events & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
        {
            OnReadable(inline);
        }

        if ((events & (Libc.EPOLLOUT | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
        {
            Writable?.Set();
        }
    }

    public void ShutdownOutput()
    {
        try
        {
            _ = Libc.shutdown(Fd, Libc.SHUT_WR);   // fails only when already reset or closed: nothing left to half-close
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask CloseAsync(bool shutdownFirst)
    {
        if (Interlocked.Exchange(ref _closed, true))
        {
            return;
        }

        if (shutdownFirst)
        {
            ShutdownOutput();
        }

        Complete();
        await Output.CompleteAsync().ConfigureAwait(false);
        _engine.Unregister(Fd.Value, _slot);   // before the descriptor is closed
        Fd.Dispose();

        // Anyone still waiting wakes up and finds the descriptor closed.
        OnReadable();
        Writable?.Set();
    }
}
