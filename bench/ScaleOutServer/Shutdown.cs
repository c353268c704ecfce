namespace RxSockets.Bench.ScaleOutServer;

/// <summary>Completes on SIGTERM or Ctrl+C.</summary>
internal static class Shutdown
{
    public static Task WaitAsync()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.TrySetResult();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
        return stopped.Task;
    }
}
