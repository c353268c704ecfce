namespace RxSockets.Hosting.Tests.Support;

/// <summary>Waits for a condition that has no event of its own (a count another thread updates). It yields between
/// checks and never sleeps for a guessed time; the test's token bounds it.</summary>
internal static class Until
{
    public static async Task TrueAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }
}
