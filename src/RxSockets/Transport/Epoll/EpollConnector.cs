using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// Opens a client TCP connection as an <see cref="EpollSocket"/>: a non-blocking <c>socket</c> with TCP_NODELAY, a
/// <c>connect</c> that is usually still in progress when it returns, then a wait for the engine's writable signal and a
/// look at <c>SO_ERROR</c>. Failures are the <see cref="SocketException"/> that <see cref="Socket.ConnectAsync(EndPoint)"/>
/// would throw for the same errno, so callers see one set of errors on both transports.
/// </summary>
internal static class EpollConnector
{
    private const int AddressSize = 28;

    /// <summary>Connects to one address.</summary>
    /// <exception cref="SocketException">The connection failed (refused, unreachable, …).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the attempt.</exception>
    public static async ValueTask<EpollSocket> ConnectAsync(EpollEngine engine, IPEndPoint remote, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var fd = Open(remote, out var inProgress);
        var socket = new EpollSocket(engine, fd, remote);   // registers, or closes the descriptor and throws
        try
        {
            if (inProgress)
            {
                await WaitConnectedAsync(socket, cancellationToken).ConfigureAwait(false);
            }

            return socket;
        }
        catch
        {
            await socket.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes a Linux <c>sockaddr_in</c> or <c>sockaddr_in6</c>; returns its length.</summary>
    internal static int WriteAddress(IPEndPoint endPoint, Span<byte> address)
    {
        address.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(address[2..], (ushort)endPoint.Port);
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(address, Libc.AF_INET);
            _ = endPoint.Address.TryWriteBytes(address.Slice(4, 4), out _);
            return 16;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(address, Libc.AF_INET6);
        _ = endPoint.Address.TryWriteBytes(address.Slice(8, 16), out _);
        BinaryPrimitives.WriteUInt32LittleEndian(address[24..], (uint)endPoint.Address.ScopeId);
        return AddressSize;
    }

    /// <summary>Creates the socket and starts connecting; <paramref name="inProgress"/> is false when the kernel
    /// connected at once.</summary>
    private static unsafe int Open(IPEndPoint remote, out bool inProgress)
    {
        var family = remote.AddressFamily switch
        {
            AddressFamily.InterNetwork => Libc.AF_INET,
            AddressFamily.InterNetworkV6 => Libc.AF_INET6,
            _ => throw new SocketException((int)SocketError.AddressFamilyNotSupported),
        };
        var fd = Libc.socket(family, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, Libc.IPPROTO_TCP);
        if (fd < 0)
        {
            throw EpollErrors.Socket(Marshal.GetLastPInvokeError());
        }

        var on = 1;
        _ = Libc.setsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, &on, sizeof(int));   // only a latency hint if it fails
        var address = stackalloc byte[AddressSize];
        var length = WriteAddress(remote, new Span<byte>(address, AddressSize));
        if (Libc.connect(fd, address, length) == 0)
        {
            inProgress = false;
            return fd;
        }

        // EINTR: the connection goes on in the background, and its outcome arrives as for EINPROGRESS.
        var errno = Marshal.GetLastPInvokeError();
        if (errno is Libc.EINPROGRESS or Libc.EINTR)
        {
            inProgress = true;
            return fd;
        }

        _ = Libc.close(fd);
        throw EpollErrors.Socket(errno);
    }

    /// <summary>Waits for the connection's outcome: the engine signals writability (connected) or an error (failed).
    /// Cancellation wakes the wait too.</summary>
    private static async ValueTask WaitConnectedAsync(EpollSocket socket, CancellationToken cancellationToken)
    {
        // Every event after the signal exists sets it; one before is covered by looking once before the first wait.
        var writable = socket.GetOrCreateWritable();
        using var registration = cancellationToken.UnsafeRegister(static state => ((AsyncSignal)state!).Set(), writable);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (IsConnected(socket.Fd))
            {
                return;
            }

            await writable.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>True once connected; false while still connecting (a spurious wake-up: a recycled slot's late event).</summary>
    /// <exception cref="SocketException">The connection failed.</exception>
    private static unsafe bool IsConnected(SafeFd fd)
    {
        int error;
        var length = sizeof(int);
        if (Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &length) != 0)
        {
            throw EpollErrors.Socket(Marshal.GetLastPInvokeError());
        }

        if (error != 0)
        {
            throw EpollErrors.Socket(error);
        }

        var peer = stackalloc byte[AddressSize];
        var peerLength = AddressSize;
        if (Libc.getpeername(fd, peer, &peerLength) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Libc.ENOTCONN ? false : throw EpollErrors.Socket(errno);
    }
}
