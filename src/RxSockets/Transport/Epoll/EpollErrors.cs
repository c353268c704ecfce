using System.Net.Sockets;

namespace RxSockets.Transport.Epoll;

/// <summary>Turns an errno into the exception .NET sockets would throw for it, so callers handle both transports
/// alike.</summary>
internal static class EpollErrors
{
    public static SocketException Socket(int errno) => new((int)(errno switch
    {
        Libc.ECONNRESET => SocketError.ConnectionReset,
        Libc.EPIPE => SocketError.ConnectionReset,
        Libc.ECONNABORTED => SocketError.ConnectionAborted,
        Libc.ETIMEDOUT => SocketError.TimedOut,
        Libc.EMFILE or Libc.ENFILE => SocketError.TooManyOpenSockets,
        Libc.ECONNREFUSED => SocketError.ConnectionRefused,
        Libc.ENETUNREACH => SocketError.NetworkUnreachable,
        Libc.ENETDOWN => SocketError.NetworkDown,
        Libc.EHOSTUNREACH => SocketError.HostUnreachable,
        Libc.EHOSTDOWN => SocketError.HostDown,
        Libc.EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        Libc.EADDRINUSE => SocketError.AddressAlreadyInUse,
        Libc.EAFNOSUPPORT => SocketError.AddressFamilyNotSupported,
        Libc.EACCES or Libc.EPERM => SocketError.AccessDenied,
        Libc.ENOBUFS => SocketError.NoBufferSpaceAvailable,
        _ => SocketError.SocketError,
    }));
}
