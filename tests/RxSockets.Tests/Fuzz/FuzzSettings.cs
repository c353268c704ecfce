using FsCheck;
using FsCheck.Fluent;

namespace RxSockets.Tests.Fuzz;

/// <summary>How many cases a fuzz property runs: a short run by default (CI), or RXSOCKETS_FUZZ_CASES of them
/// (<c>RXSOCKETS_FUZZ_CASES=100000 dotnet test tests/RxSockets.Tests --filter Category=Fuzz</c>).</summary>
internal static class FuzzSettings
{
    public const string CasesVariable = "RXSOCKETS_FUZZ_CASES";

    /// <summary>The engine's limits in every fuzz case: the generator makes messages on both sides of them.</summary>
    public const long MaxMessageSize = 64 * 1024;

    public const int MaxFragments = 8;

    public static int Cases(int shortRun) =>
        int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), out var cases) && cases > 0 ? cases : shortRun;

    /// <summary>Runs <paramref name="property"/> over generated cases; a failure throws with the case and FsCheck's seed.</summary>
    public static void Check(Gen<FuzzCase> cases, Action<FuzzCase> property, int shortRun) =>
        Prop.ForAll(Arb.From(cases), property).Check(Config.QuickThrowOnFailure.WithMaxTest(Cases(shortRun)).WithQuietOnSuccess(true));
}
