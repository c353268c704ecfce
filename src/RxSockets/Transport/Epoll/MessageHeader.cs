using System.Runtime.InteropServices;

namespace RxSockets.Transport.Epoll;

/// <summary><c>struct msghdr</c> as 64-bit Linux lays it out (glibc; musl's <c>int</c> lengths with their padding
/// read the same for the small values used here), for a gathered <c>sendmsg</c> without address or control data.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public void* Name;
    public uint NameLength;
    public IoVector* Vectors;
    public nuint VectorCount;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary><c>struct iovec</c>: one buffer of a gathered write.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVector
{
    public byte* Base;
    public nuint Length;
}
