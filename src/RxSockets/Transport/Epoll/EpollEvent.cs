using System.Runtime.InteropServices;

namespace RxSockets.Transport.Epoll;

/// <summary><c>struct epoll_event</c> as x86-64 Linux lays it out: packed, 12 bytes (the transport is only used
/// there; see <see cref="EpollEngine.IsSupported"/>).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}
