using System.Runtime.CompilerServices;

namespace RxSockets.Transport;

/// <summary>
/// A non-reentrant lock in one <see cref="int"/>, for the short critical sections of a connection's queues: taking it
/// is one compare-and-swap and leaving it one store, with no thread lookup (the runtime's monitor and
/// <see cref="Lock"/> both look the current thread up in thread-local storage, which on Linux goes through
/// <c>__tls_get_addr</c>: on a pinned 1 KiB echo, Lock's enter and exit alone were 13 % of the CPU). A waiter spins,
/// then yields and sleeps (<see cref="SpinWait"/>), so a holder preempted on a single core gets it back.
/// </summary>
/// <remarks>Never call out of the section to code that could take the same gate: it is not reentrant. A mutable struct:
/// keep it in a non-readonly field and call it on the field.</remarks>
internal struct SpinGate
{
    private int _taken;

    public void Enter()
    {
        if (Interlocked.CompareExchange(ref _taken, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    public void Exit() => Volatile.Write(ref _taken, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
        var spin = default(SpinWait);
        while (Volatile.Read(ref _taken) != 0 || Interlocked.CompareExchange(ref _taken, 1, 0) != 0)
        {
            spin.SpinOnce();
        }
    }
}
