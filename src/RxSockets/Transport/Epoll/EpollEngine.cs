using System.Runtime.InteropServices;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// One epoll instance and the thread that waits on it, shared by every epoll-backed socket in the process. Sockets are
/// registered edge-triggered for input and output once, for their lifetime; an event only sets the socket's readiness
/// signals, whose waiters continue on the thread pool, so no connection's code ever runs on this thread.
/// </summary>
/// <remarks>
/// Registrations live in a slot table indexed by the event's data word. A slot is recycled after its socket is
/// unregistered; a late event for a recycled slot only causes a spurious wake-up, which the sockets tolerate (they
/// retry the system call and wait again on EAGAIN).
/// </remarks>
internal sealed unsafe class EpollEngine
{
    private const int MaxEvents = 256;
    private static readonly Lazy<EpollEngine?> s_shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly int _epoll;
    private readonly Lock _gate = new();
    private readonly Stack<int> _free = new();
    private IEpollTarget?[] _targets = new IEpollTarget?[1024];
    private int _used;

    private EpollEngine(int epoll)
    {
        _epoll = epoll;
        var thread = new Thread(Run) { IsBackground = true, Name = "RxSockets epoll" };
        thread.UnsafeStart();
    }

    /// <summary>True on x86-64 Linux, where <see cref="EpollEvent"/> has the right layout; elsewhere the server uses
    /// .NET sockets.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The process-wide engine, or null when epoll is not supported or could not be created.</summary>
    public static EpollEngine? Shared => IsSupported ? s_shared.Value : null;

    public int Register(int fd, IEpollTarget target, uint events)
    {
        int slot;
        lock (_gate)
        {
            if (!_free.TryPop(out slot))
            {
                slot = _used++;
                if (slot == _targets.Length)
                {
                    var grown = new IEpollTarget?[_targets.Length * 2];
                    _targets.CopyTo(grown, 0);
                    Volatile.Write(ref _targets, grown);
                }
            }

            Volatile.Write(ref _targets[slot], target);
        }

        var ev = new EpollEvent { Events = events | Libc.EPOLLET, Data = (ulong)slot };
        if (Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Release(slot);
            throw EpollErrors.Socket(errno);
        }

        return slot;
    }

    /// <summary>Removes the descriptor (before it is closed) and frees its slot.</summary>
    public void Unregister(int fd, int slot)
    {
        var ev = default(EpollEvent);
        _ = Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, fd, &ev);   // fails only if already gone: nothing to undo
        Release(slot);
    }

    private void Release(int slot)
    {
        lock (_gate)
        {
            Volatile.Write(ref _targets[slot], null);
            _free.Push(slot);
        }
    }

    private void Run()
    {
        var events = GC.AllocateArray<EpollEvent>(MaxEvents, pinned: true);
        fixed (EpollEvent* buffer = events)
        {
            while (true)
            {
                var count = Libc.epoll_wait(_epoll, buffer, MaxEvents, -1);
                if (count < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Libc.EINTR)
                    {
                        continue;
                    }

                    return;   // the epoll descriptor is unusable: nothing sensible is left to do on this thread
                }

                var targets = Volatile.Read(ref _targets);
                for (var i = 0; i < count; i++)
                {
                    var slot = (int)buffer[i].Data;
                    if ((uint)slot < (uint)targets.Length)
                    {
                        Volatile.Read(ref targets[slot])?.OnEvents(buffer[i].Events);
                    }
                }
            }
        }
    }

    private static EpollEngine? Create()
    {
        var epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        return epoll < 0 ? null : new EpollEngine(epoll);
    }
}
