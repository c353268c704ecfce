using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class TradingFeedExampleTests
{
    [Test, CancelAfter(20_000)]
    public async Task RunAsync_BurstOfTicks_VwapPerSymbolAndSlowWidgetEndsOnNewestPrices(CancellationToken cancellationToken)
    {
        var options = new TradingFeedOptions { Rounds = 500 };
        var expected = TickFeedServer.Generate(options);
        var output = new LineWriter();

        var result = await TradingFeedExample.RunAsync(options, output, cancellationToken);

        var lastPrices = expected.GroupBy(t => t.Symbol).ToDictionary(g => g.Key, g => g.Last().Price);
        Assert.That(result.Ticks, Is.EqualTo(expected.Count));
        Assert.That(result.LastPrice, Is.EquivalentTo(lastPrices));
        Assert.That(result.WidgetPrice, Is.EquivalentTo(lastPrices));
        Assert.That(result.Dropped, Is.GreaterThan(0));
        Assert.That(result.WidgetUpdates + result.Dropped, Is.EqualTo(expected.Count));
        foreach (var symbol in expected.GroupBy(t => t.Symbol))
        {
            var vwap = symbol.Sum(t => t.Price * t.Volume) / symbol.Sum(t => t.Volume);
            Assert.That(result.Vwap[symbol.Key], Is.EqualTo(vwap).Within(1e-9));
        }

        Assert.That(output.Lines, Does.Contain($"[summary] widget painted {result.WidgetUpdates} updates; conflation spared it {result.Dropped} of {expected.Count} ticks"));
    }

    [Test]
    public void BinaryTick_RoundTrip_KeepsSymbolPriceAndLittleEndianLayout()
    {
        var tick = new BinaryTick("NVDA", 123.45, 300);

        var message = tick.ToMessage();

        Assert.That(BinaryTick.Parse(message), Is.EqualTo(tick));
        Assert.That(message.IsBinary, Is.True);
        Assert.That(message.Data.Length, Is.EqualTo(1 + 4 + 8 + 8));
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(message.Data.Span[5..13]), Is.EqualTo(123.45));
    }
}
