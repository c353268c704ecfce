using RxSockets.Demo;
using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class TradingDemoTests
{
    [Test, CancelAfter(20_000)]
    public async Task RunAsync_OneSecond_ReceivesTicksForEverySymbolPrintsTableAndClosesCleanly(CancellationToken cancellationToken)
    {
        var options = new DemoOptions { Duration = TimeSpan.FromSeconds(1), Window = TimeSpan.FromMilliseconds(250) };
        var output = new LineWriter();

        var result = await TradingDemo.RunAsync(options, output, cancellationToken);

        Assert.That(result.TicksReceived, Is.GreaterThan(0));
        Assert.That(result.TicksPerSymbol.Keys, Is.SubsetOf(options.Symbols.Keys));
        Assert.That(result.FinalState, Is.EqualTo(ConnectionState.Closed));
        Assert.That(output.Lines, Has.Some.Contains("SYMBOL       LAST"));
        Assert.That(output.Lines[^1], Does.StartWith($"Received {result.TicksReceived} ticks").And.EndWith("closed 1000 (NormalClosure)"));
        Assert.That(output.Lines.Where(l => l.StartsWith("[state]", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "[state] Open", "[state] Closing", "[state] Closed" }));
        Assert.That(output.Lines.Count(l => l.StartsWith("[ping]", StringComparison.Ordinal)), Is.EqualTo(2));
    }

    [Test]
    public void QuoteFrom_Window_ComputesLastMinMaxAndVolumeWeightedAverage()
    {
        Tick[] window = [new("A", 10m, 100), new("A", 12m, 300), new("A", 11m, 100)];

        var quote = Quote.From("A", window);

        Assert.That(quote, Is.EqualTo(new Quote("A", 11m, 10m, 12m, 11.4m, 3)));
    }
}
