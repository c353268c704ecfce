using RxSockets.Tests.Architecture.Fixture;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// The reader behind <see cref="ArchitectureTests"/> sees every way one type can use another, proven on a fixture
/// compiled into this assembly (Fixture/Low.cs uses Fixture/High.cs).
/// </summary>
public class DependencyReaderTests
{
    [Test]
    public void Read_FixtureLow_SeesEveryKindOfUse()
    {
        using var assembly = CompiledAssembly.Open(typeof(Low).Assembly.Location);
        var uses = DependencyReader.Read(assembly)
            .Where(d => assembly.Display(d.From) == "Architecture/Fixture.Low")
            .Select(d => $"{assembly.SimpleName(d.To)} via {d.Via}{(d.Constructs ? " (constructs)" : "")}")
            .ToHashSet();

        Assert.That(uses, Is.SupersetOf(new[]
        {
            "HighBase via base type",
            "IHigh via interface",
            "HighMarkerAttribute via attribute on _highs",
            "High via field _highs",
            "High via signature of Take",
            "High via newobj in BuildAsync (constructs)",
            "High via isinst in Check",
            "High via ldtoken in Token",
            "HighException via catch in Guard",
            "High via newobj in Pick (constructs)",
        }));
    }

    [Test]
    public void Compare_NewAndGoneViolations_ReportsBothWithTheUpdateCommand()
    {
        var actual = new[] { new Violation("Layers", "A → B (Surfaces)", "field _b"), new Violation("Layers", "C → D (Surfaces)", "") };

        var message = KnownViolations.Compare(actual, ["C → D (Surfaces)", "E → F (Surfaces)"], "list.txt", "Low → High");

        Assert.That(message, Does.Contain("1 new architecture violation(s)").And.Contain("A → B (Surfaces) via field _b")
            .And.Contain("1 listed violation(s) no longer exist").And.Contain("E → F (Surfaces)")
            .And.Contain("RXSOCKETS_UPDATE_ARCHITECTURE=1"));
        Assert.That(message, Does.Not.Contain("C → D"));
    }

    [Test]
    public void Compare_SameViolations_IsNull()
    {
        var actual = new[] { new Violation("Layers", "A → B (Surfaces)", "field _b") };

        Assert.That(KnownViolations.Compare(actual, ["A → B (Surfaces)"], "list.txt", "Low → High"), Is.Null);
    }

    [Test]
    public void Format_ThenRead_RoundTripsTheKeys()
    {
        var actual = new[] { new Violation("S", "b", ""), new Violation("S", "a", ""), new Violation("T", "c", "") };
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, KnownViolations.Format(actual));

            Assert.That(KnownViolations.Read(path), Is.EquivalentTo(new[] { "a", "b", "c" }));
            Assert.That(File.ReadAllText(path), Does.Contain("## S\na\nb\n\n## T\nc\n"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
