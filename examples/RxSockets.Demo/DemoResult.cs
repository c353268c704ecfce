namespace RxSockets.Demo;

/// <summary>What the client saw.</summary>
/// <param name="TicksPerSymbol">Ticks received, by symbol.</param>
/// <param name="FinalState">The connection's state at the end.</param>
public sealed record DemoResult(IReadOnlyDictionary<string, int> TicksPerSymbol, ConnectionState FinalState)
{
    /// <summary>Ticks received in all.</summary>
    public int TicksReceived => TicksPerSymbol.Values.Sum();
}
