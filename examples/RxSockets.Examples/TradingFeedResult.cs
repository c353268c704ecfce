namespace RxSockets.Examples;

/// <summary>What the client of <see cref="TradingFeedExample"/> saw.</summary>
/// <param name="Ticks">How many ticks the full-speed pipeline received.</param>
/// <param name="Vwap">The volume-weighted average price of every symbol over the whole feed.</param>
/// <param name="LastPrice">The last traded price of every symbol, as the full-speed pipeline saw it.</param>
/// <param name="WidgetPrice">The last price of every symbol the slow widget showed.</param>
/// <param name="WidgetUpdates">How many updates the slow widget painted.</param>
/// <param name="Dropped">How many ticks per-key conflation spared the widget.</param>
public sealed record TradingFeedResult(int Ticks, IReadOnlyDictionary<string, double> Vwap, IReadOnlyDictionary<string, double> LastPrice,
    IReadOnlyDictionary<string, double> WidgetPrice, long WidgetUpdates, long Dropped);
