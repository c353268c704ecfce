using FsCheck.Fluent;

namespace RxSockets.Tests.Fuzz;

/// <summary>Guards the fuzzers against testing nothing: a short run of the generator reaches every outcome.</summary>
[Category("Fuzz")]
public class FrameStreamsTests
{
    [Test]
    public void Cases_ShortRun_ReachEveryOutcomeInBothRoles()
    {
        var outcomes = FrameStreams.Cases().Sample(1000)
            .Select(fuzz => (fuzz.Target, Outcome: Classify(ProtocolRun.Of(fuzz.Target, [fuzz.Stream], FuzzSettings.MaxMessageSize, FuzzSettings.MaxFragments))))
            .ToHashSet();

        foreach (var role in new[] { ConnectionRole.Server, ConnectionRole.Client })
        {
            foreach (var outcome in new[] { "1002", "1007", "1009", "close", "vanished" })
            {
                Assert.That(outcomes, Does.Contain((role, outcome)), $"{role} never reached {outcome}");
            }
        }
    }

    private static string Classify(ProtocolRun run) => run switch
    {
        { Error: { } code } => ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
        { CloseBody: not null } => "close",
        _ => "vanished",
    };
}
