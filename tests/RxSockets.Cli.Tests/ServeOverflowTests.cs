using System.Buffers.Binary;
using RxSockets.Cli.Tests.Support;

namespace RxSockets.Cli.Tests;

/// <summary>
/// <c>serve --broadcast --broadcast-overflow P --queue-bytes SIZE</c> over real sockets: a sender broadcasts numbered
/// 64 KiB messages in step with a member that reads everything, one never reads (its receive queue holds one byte's worth, so once its
/// socket buffers are full the server's send queue for it is over budget). Each policy must let the reader have every
/// message; what the stuck member gets (and whether it stays) tells the policies apart.
/// </summary>
public class ServeOverflowTests
{
    private const int Size = 64 * 1024;

    // Far beyond what loopback socket buffers hold for a member that stopped reading (a few MiB), so the server's
    // queue for it is certainly over budget by the end.
    private const int Count = 400;

    [Test, CancelAfter(120_000)]
    public async Task Serve_BroadcastOverflowDisconnect_ClosesTheStuckMemberWith1013AndOthersGetEverything(CancellationToken cancellationToken)
    {
        await using var run = await RunAsync("disconnect", cancellationToken);

        Assert.That(run.ReaderGot, Is.EqualTo(Enumerable.Range(0, Count)));
        Assert.That(run.StuckClose, Is.EqualTo(CloseCode.TryAgainLater));
    }

    [Test, CancelAfter(120_000)]
    public async Task Serve_BroadcastOverflowWait_ClosesTheStuckMemberWith1013AfterTheBoundAndOthersGetEverything(CancellationToken cancellationToken)
    {
        await using var run = await RunAsync("wait", cancellationToken);

        Assert.That(run.ReaderGot, Is.EqualTo(Enumerable.Range(0, Count)));
        Assert.That(run.StuckClose, Is.EqualTo(CloseCode.TryAgainLater));
    }

    [Test, CancelAfter(120_000)]
    public async Task Serve_BroadcastOverflowDropNewest_StuckMemberKeepsTheOldestAndStays(CancellationToken cancellationToken)
    {
        await using var run = await RunAsync("drop-newest", cancellationToken);

        Assert.That(run.ReaderGot, Is.EqualTo(Enumerable.Range(0, Count)));
        Assert.That(run.StuckClose, Is.Null);
        Assert.That(run.StuckGot[0], Is.Zero);                                   // the oldest made it…
        Assert.That(run.StuckGot, Does.Not.Contain(Count - 1));                  // …not the newest
        Assert.That(run.StuckGot, Is.Ordered.And.Unique);
    }

    [Test, CancelAfter(120_000)]
    public async Task Serve_BroadcastOverflowDropOldest_StuckMemberGetsTheNewestAndStays(CancellationToken cancellationToken)
    {
        await using var run = await RunAsync("drop-oldest", cancellationToken);

        Assert.That(run.ReaderGot, Is.EqualTo(Enumerable.Range(0, Count)));
        Assert.That(run.StuckClose, Is.Null);
        Assert.That(run.StuckGot[^1], Is.EqualTo(Count - 1));            // the newest made it…
        Assert.That(run.StuckGot, Has.Count.LessThan(Count));            // …at the cost of older ones
        Assert.That(run.StuckGot, Is.Ordered.And.Unique);
    }

    [TestCase("--echo --broadcast-overflow wait")]
    [TestCase("--broadcast --broadcast-overflow fast")]
    [TestCase("--broadcast --broadcast-overflow Wait")]
    [TestCase("--broadcast --broadcast-overflow")]
    [TestCase("--echo --queue-bytes 0")]
    [TestCase("--echo --queue-bytes 4XB")]
    [TestCase("--echo --queue-bytes 1.5MiB")]
    [TestCase("--echo --queue-bytes -4MiB")]
    public async Task Serve_BadOverflowOrQueueBytes_IsAUsageError(string arguments)
    {
        await using var cli = CliProcess.Start(["serve", "--port", "0", .. arguments.Split(' ')]);

        var exitCode = await cli.WaitForExitAsync(CancellationToken.None);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(cli.Stderr, Does.Contain("error").And.Contain(arguments.Contains("--queue-bytes", StringComparison.Ordinal) ? "--queue-bytes" : "--broadcast-overflow"));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_QueueBytesWithUnit_MessageLargerThanItStillPasses(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--queue-bytes", "1KiB");
        await using var _ = serve;
        await using var client = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);

        await client.SendAsync(new byte[100 * 1024].AsMemory(), cancellationToken);
        var echo = await CliServe.ReadAsync(client, 1, cancellationToken);

        Assert.That(echo[0].Data.Length, Is.EqualTo(100 * 1024));
    }

    private static async Task<Run> RunAsync(string policy, CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--broadcast", "--broadcast-overflow", policy, "--queue", "4", "--queue-bytes", "256KiB");
        var run = new Run(serve);
        var stuck = await CliServe.ConnectListedAsync(serve, url, cancellationToken,
            new WebSocketClientOptions { ReceiveQueueCapacity = 1, MaxQueuedBytes = 1, InlineDelivery = false });
        run.Add(stuck);
        var reader = await CliServe.ConnectListedAsync(serve, url, cancellationToken);
        run.Add(reader);
        var sender = await CliServe.ConnectListedAsync(serve, url, cancellationToken);
        run.Add(sender);

        // In step with the reader, so the reader's own queue never goes over budget (under Disconnect it would be
        // closed too): only the stuck member's does.
        for (var i = 0; i < Count; i++)
        {
            var data = new byte[Size];
            BinaryPrimitives.WriteInt32BigEndian(data, i);
            await sender.SendAsync(data.AsMemory(), cancellationToken);
            run.ReaderGot.AddRange(await ReadNumbersAsync(reader, 1, cancellationToken));
        }

        // Now the stuck member reads what it was given, up to the newest message, an end marker or its close. Under
        // drop-oldest the newest is kept, so it ends there. Under drop-newest it stays but never gets the newest, so
        // end markers follow until one reaches it (those sent while its queue is still over budget are dropped too),
        // each paced by the reader's receipt of it. Under the others it is closed, which ends its reading.
        var stuckReading = ReadUntilEndAsync(stuck, cancellationToken);
        for (var markers = 0; policy == "drop-newest" && !stuckReading.IsCompleted && markers < 100_000; markers++)
        {
            await sender.SendAsync(Marker(-1), cancellationToken);
            await ReadNumbersAsync(reader, 1, cancellationToken);
        }

        run.StuckGot = await stuckReading;
        run.StuckClose = stuck.State == ConnectionState.Open ? null : stuck.CloseStatus?.Code;
        return run;
    }

    private static ReadOnlyMemory<byte> Marker(int number)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(data, number);
        return data;
    }

    private static async Task<List<int>> ReadNumbersAsync(WebSocketConnection client, int count, CancellationToken cancellationToken)
    {
        var numbers = new List<int>();
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            numbers.Add(BinaryPrimitives.ReadInt32BigEndian(message.Data.Span));
            if (numbers.Count == count)
            {
                break;
            }
        }

        return numbers;
    }

    /// <summary>The numbers up to the newest, the end marker (-1) or the close.</summary>
    private static async Task<List<int>> ReadUntilEndAsync(WebSocketConnection client, CancellationToken cancellationToken)
    {
        var numbers = new List<int>();
        try
        {
            await foreach (var message in client.ReadAllAsync(cancellationToken))
            {
                var number = BinaryPrimitives.ReadInt32BigEndian(message.Data.Span);
                if (number < 0)
                {
                    break;
                }

                numbers.Add(number);
                if (number == Count - 1)
                {
                    break;
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // Closed by the server (disconnect, wait): what came before is the answer.
        }

        return numbers;
    }

    private sealed class Run(CliProcess serve) : IAsyncDisposable
    {
        private readonly List<WebSocketConnection> _clients = [];

        public List<int> ReaderGot { get; set; } = [];

        public List<int> StuckGot { get; set; } = [];

        public CloseCode? StuckClose { get; set; }

        public void Add(WebSocketConnection client) => _clients.Add(client);

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _clients)
            {
                await client.DisposeAsync();
            }

            await serve.DisposeAsync();
        }
    }
}
