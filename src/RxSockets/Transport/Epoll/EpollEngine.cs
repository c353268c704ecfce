using System.Runtime.InteropServices;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// One epoll instance shared by every epoll-backed socket in the process, and the loop threads that wait on it (leader
/// and followers: each event wakes one waiting thread, which handles it itself). Sockets are registered edge-triggered
/// for input and output once, for their lifetime.
/// </summary>
/// <remarks>
/// <para>Handling an event where it was received, without a hand-off to the thread pool, is what makes a busy
/// connection cheap: the read, the parsing, an inline consumer and its replies all run on the thread that the kernel
/// woke. When one wait returns several events, all but the last go to the thread pool (so they run in parallel) and
/// the last runs on the loop thread.</para>
/// <para>A loop thread may therefore run user code for a while (a consumer with inline delivery). The other loop
/// threads keep waiting meanwhile; and when every loop thread has been busy for a whole <see cref="StarvationCheck"/>
/// interval (consumers that block), another thread is added, up to <see cref="MaxLoops"/>, as the thread pool does
/// when it is starved.</para>
/// <para>Registrations live in a slot table indexed by the event's data word. A slot is recycled after its socket is
/// unregistered; a late event for a recycled slot only causes a spurious wake-up, which the sockets tolerate (they
/// retry the system call and wait again on EAGAIN).</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One engine for the process's lifetime: its timer and threads end with the process.")]
internal sealed unsafe class EpollEngine
{
    private const int MaxEvents = 256;
    private static readonly Lazy<EpollEngine?> s_shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly int _epoll;
    private readonly Lock _gate = new();
    private readonly Stack<int> _free = new();
    private readonly Timer _starvation;
    private IEpollTarget?[] _targets = new IEpollTarget?[1024];
    private int _used;
    private int _loops;
    private int _waiting;
    private long _returns;
    private long _returnsAtLastCheck;

    private EpollEngine(int epoll)
    {
        _epoll = epoll;
        for (var i = 0; i < InitialLoops; i++)
        {
            StartLoop();
        }

        _starvation = new Timer(static state => ((EpollEngine)state!).CheckStarvation(), this, StarvationCheck, StarvationCheck);
    }

    /// <summary>Loop threads started with the engine: one per core the process may use. On one core (a container limited
    /// to one CPU, a pinned process) that is one thread, which reads, runs inline consumers and writes for every
    /// connection in turn, as a single-threaded event loop does: a second loop thread there could do no work in
    /// parallel, only wake up for the busy connection's events and take the core from the thread serving it.</summary>
    public static int InitialLoops => Math.Max(1, Environment.ProcessorCount);

    /// <summary>The most loop threads that starvation may add up to.</summary>
    public static int MaxLoops => Math.Max(64, 4 * Environment.ProcessorCount);

    /// <summary>How long every loop thread must have been busy before another one is added.</summary>
    public static TimeSpan StarvationCheck { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Loop threads running now.</summary>
    public int Loops => Volatile.Read(ref _loops);

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

    private void StartLoop()
    {
        var number = Interlocked.Increment(ref _loops);
        var thread = new Thread(Run) { IsBackground = true, Name = $"RxSockets epoll {number}" };
        thread.UnsafeStart();
    }

    /// <summary>Adds a loop thread when none has come back to wait since the last check: they are all held by
    /// long-running (blocking) consumers, and events for the other connections would otherwise wait.</summary>
    private void CheckStarvation()
    {
        var returns = Interlocked.Read(ref _returns);
        var starved = Volatile.Read(ref _waiting) == 0 && returns == _returnsAtLastCheck;
        _returnsAtLastCheck = returns;
        if (starved && Loops < MaxLoops)
        {
            StartLoop();
        }
    }

    private void Run()
    {
        var events = GC.AllocateArray<EpollEvent>(MaxEvents, pinned: true);
        fixed (EpollEvent* buffer = events)
        {
            while (true)
            {
                Interlocked.Increment(ref _waiting);
                var count = Libc.epoll_wait(_epoll, buffer, MaxEvents, -1);
                var errno = count < 0 ? Marshal.GetLastPInvokeError() : 0;
                Interlocked.Decrement(ref _waiting);
                if (count < 0)
                {
                    if (errno == Libc.EINTR)
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
                        // The last event of the wait is handled here; the earlier ones in parallel on the thread pool.
                        Volatile.Read(ref targets[slot])?.OnEvents(buffer[i].Events, inline: i == count - 1);
                    }
                }

                Interlocked.Increment(ref _returns);
            }
        }
    }

    private static EpollEngine? Create()
    {
        var epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        return epoll < 0 ? null : new EpollEngine(epoll);
    }
}
