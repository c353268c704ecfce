namespace RxSockets.Bench.ClientWebSocketLoad;

/// <summary>
/// Holds <see cref="LoadOptions.Connections"/> idle connections so that <c>bench/run.sh</c> can read the
/// server's resident memory; prints <c>connected C</c> once all are open.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class IdleRun
{
    private const int HandshakeParallelism = 64;

    /// <summary>Opens the connections, then holds them until standard input closes or the duration passes.</summary>
    /// <param name="options">The parsed command line.</param>
    /// <returns><see cref="BenchResult.Empty"/>: the idle run measures nothing itself.</returns>
    public static async Task<BenchResult> RunAsync(LoadOptions options)
    {
        var sockets = await Connector.ConnectManyAsync(options.Url, options.Connections, HandshakeParallelism, CancellationToken.None);
        try
        {
            Console.WriteLine($"connected {sockets.Length}");
            await Task.WhenAny(WaitForEndOfInputAsync(), Task.Delay(options.Duration));
        }
        finally
        {
            // Abort rather than close: 10,000 close handshakes would only prolong the teardown.
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }
        }

        return BenchResult.Empty;
    }

    private static Task WaitForEndOfInputAsync() => Task.Factory.StartNew(
        static () =>
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (input.Read(buffer) > 0)
            {
            }
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);
}
