using System.Runtime.InteropServices;

namespace RxSockets.Cli;

/// <summary>
/// Turns the first SIGINT or SIGTERM into a task, so a command can shut down in order and return its own exit code
/// instead of being killed. A second signal is left to the runtime's default: the process ends at once.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly TaskCompletionSource<PosixSignal> _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>Completes with the signal when the first one arrives.</summary>
    public Task<PosixSignal> Requested => _requested.Task;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Handle(PosixSignalContext context) => context.Cancel = _requested.TrySetResult(context.Signal);
}
