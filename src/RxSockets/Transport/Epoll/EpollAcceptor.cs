using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// Accepts connections from a bound, listening .NET <see cref="Socket"/> with <c>accept4</c>, registered on the epoll
/// engine, and hands each one out as an <see cref="EpollSocket"/> (non-blocking, TCP_NODELAY). One accept loop at a
/// time.
/// </summary>
internal sealed class EpollAcceptor : IEpollTarget, ISocketAcceptor
{
    private const int AddressSize = 128;

    private readonly EpollEngine _engine;
    private readonly Socket _listener;
    private readonly int _fd;
    private readonly int _slot;
    private readonly AsyncSignal _acceptable = new();
    private readonly byte[] _address = GC.AllocateArray<byte>(AddressSize, pinned: true);
    private IPAddress? _recentV4;
    private int _disposed;

    public EpollAcceptor(EpollEngine engine, Socket listener)
    {
        _engine = engine;
        _listener = listener;
        listener.Blocking = false;
        _fd = (int)listener.SafeHandle.DangerousGetHandle();
        _slot = engine.Register(_fd, this, Libc.EPOLLIN);
    }

    public void OnEvents(uint events, bool inline) => _acceptable.Set();

    // One accept at a time, each awaited once: a pooled state machine, so waiting for the next client allocates nothing.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<EpollSocket> AcceptAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static state => ((AsyncSignal)state!).Set(), _acceptable);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            if (TryAccept(out var fd, out var remote))
            {
                try
                {
                    return new EpollSocket(_engine, fd, remote);
                }
                catch (SocketException)
                {
                    continue;   // could not register (the descriptor is closed by then): take the next one
                }
            }

            await _acceptable.WaitAsync().ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    async ValueTask<AcceptedSocket> ISocketAcceptor.AcceptAsync(CancellationToken cancellationToken) =>
        new(null, await AcceptAsync(cancellationToken).ConfigureAwait(false));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _engine.Unregister(_fd, _slot);
        _acceptable.Set();
    }

    private unsafe bool TryAccept(out int fd, out IPEndPoint? remote)
    {
        while (true)
        {
            var length = AddressSize;
            fixed (byte* address = _address)
            {
                fd = Libc.accept4(_listener.SafeHandle, address, &length, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            }

            if (fd >= 0)
            {
                var on = 1;
                _ = Libc.setsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, &on, sizeof(int));
                remote = ParseAddress(_address.AsSpan(0, Math.Min(length, AddressSize)), _recentV4);
                if (remote?.Address.AddressFamily == AddressFamily.InterNetwork)
                {
                    _recentV4 = remote.Address;
                }

                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Libc.EINTR or Libc.ECONNABORTED:
                    continue;   // a client that gave up while queued: take the next one
                case Libc.EAGAIN:
                    remote = null;
                    return false;
                default:
                    throw EpollErrors.Socket(errno);
            }
        }
    }

    /// <summary>Reads a Linux <c>sockaddr_in</c>/<c>sockaddr_in6</c>.</summary>
    /// <param name="address">The socket address the kernel wrote.</param>
    /// <param name="recentV4">An IPv4 address to reuse when the client's is the same: a server's clients often share a
    /// few addresses (a proxy, a NAT, a load generator), and each connection keeps its endpoint. Only IPv4 instances are
    /// shared, since they cannot be changed but through the obsolete <see cref="IPAddress.Address"/> setter.</param>
    internal static IPEndPoint? ParseAddress(ReadOnlySpan<byte> address, IPAddress? recentV4 = null)
    {
        if (address.Length < 8)
        {
            return null;
        }

        var family = BinaryPrimitives.ReadUInt16LittleEndian(address);
        var port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        return family switch
        {
            2 => new IPEndPoint(IsSameV4(recentV4, address.Slice(4, 4)) ? recentV4 : new IPAddress(address.Slice(4, 4)), port),
            10 when address.Length >= 28 => new IPEndPoint(new IPAddress(address.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(address[24..])), port),
            _ => null,
        };
    }

    private static bool IsSameV4([NotNullWhen(true)] IPAddress? recent, ReadOnlySpan<byte> bytes)
    {
        Span<byte> recentBytes = stackalloc byte[4];
        return recent is { AddressFamily: AddressFamily.InterNetwork } && recent.TryWriteBytes(recentBytes, out _) && recentBytes.SequenceEqual(bytes);
    }
}
