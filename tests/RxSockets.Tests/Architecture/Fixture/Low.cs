namespace RxSockets.Tests.Architecture.Fixture;

/// <summary>
/// Read by DependencyReaderTests from the compiled test assembly: uses the High* types in every way metadata can
/// record a use, so each way is proven to be seen.
/// </summary>
internal sealed class Low : HighBase, IHigh
{
    [HighMarker]
    private readonly List<High> _highs = [];

    public int Count => _highs.Count;

    public static High Take(High high) => high;

    public static async Task<int> BuildAsync()
    {
        await Task.Yield();
        Func<High> make = () => new High();
        return make().Value;
    }

    public static bool Check(object value) => value is High;

    public static Type Token() => typeof(High);

    public static bool Guard(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (HighException)
        {
            return false;
        }
    }

    // Compiled to an IL switch (a jump table), whose variable-length operand the walker steps over.
    public static int Pick(int i) => i switch
    {
        0 => 10,
        1 => 11,
        2 => 12,
        3 => 13,
        _ => new High().Value,
    };
}
