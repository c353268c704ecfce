using System.Runtime.InteropServices;

namespace RxSockets.Transport.Epoll;

/// <summary>A socket file descriptor. Every system call takes a reference, so closing it while another thread is in
/// <c>recv</c> or <c>send</c> defers the <c>close</c> until that call returns: the number can never be reused under a
/// running call (which would read or write another connection's socket).</summary>
internal sealed class SafeFd : SafeHandle
{
    public SafeFd(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    public int Value => (int)handle;

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;
}
