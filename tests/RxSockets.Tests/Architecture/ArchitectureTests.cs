using System.Runtime.CompilerServices;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// The layers hold (issue 15): read from the COMPILED assemblies with System.Reflection.Metadata (every reference the
/// metadata records: signatures, base types, attributes, and the tokens in the method bodies' IL), four rules:
/// 1. a type of a lower layer never uses a type of a higher one (<see cref="Layers"/>), and the core never references
///    an add-on;
/// 2. the add-ons see the core's public API only: no InternalsVisibleTo to them, no internal type or member used;
/// 3. nothing below the surfaces constructs a connection (no newobj of <see cref="ConnectionTypes"/>);
/// 4. no two folders depend on each other both ways, and no longer cycle runs through the folders (a strongly
///    connected component of the folder graph).
/// Today's violations are listed in known-violations.txt, issue 15's to-do: the test fails on a violation that is not
/// listed, and on a listed one that is gone, so the list only shrinks. Rewrite it with RXSOCKETS_UPDATE_ARCHITECTURE=1.
/// </summary>
public class ArchitectureTests
{
    /// <summary>
    /// The layers of the core, lowest first: a type may use its own layer and the ones before it, never a later one.
    /// A layer owns folders of src/RxSockets (with their subfolders); the folder a type's source file lives in places
    /// it, whatever its namespace (public types all keep the root namespace). A new folder must be placed here (the test
    /// fails until it is). docs/ARCHITECTURE.md describes the same map.
    /// </summary>
    private static readonly Layer[] Layers =
    [
        // The shared vocabulary every layer speaks: Message, CloseCode, CloseStatus, the exceptions, the topic positions
        // and publications.
        new("Primitives", ["Primitives"]),
        // Sans-I/O: frames, masking, UTF-8, close payloads, message assembly, the opening handshake (and its public
        // request, refusal and outcome records), permessage-deflate, the connection's state machine. Bytes in, bytes
        // out; no tasks, no clock.
        new("Protocol", ["Protocol"]),
        // Logs, metrics and spans (the I/O driver, the connector and the acceptor log and count).
        new("Diagnostics", ["Diagnostics"]),
        // The I/O: the connection's driver and send queue, heartbeat, the socket backends (.NET sockets, epoll), the
        // client's connect path, the server's accept path. Takes internal settings, never the public options.
        new("Transport", ["Transport"]),
        // Generic channel ↔ Rx adapters: observer lists, mailboxes, enumerators, the flow operators.
        new("Reactive", ["Reactive"]),
        // The backplane contract and the in-process backplane: topic vocabulary only, no connection.
        new("Scaling", ["Scaling"]),
        // The surfaces (they build connections), in three layers. First the connection itself: WebSocketConnection,
        // its options (ClientConnectionOptions for ConnectAsync), and IClientSessionLayer, the seam through which the
        // reconnecting client runs its features (resumption, messaging) on each connection.
        new("Connection", ["Connection"], Surfaces: true),
        // The features the façades compose, each a folder with its public surface. Messaging uses topics; neither
        // uses resumption; a feature reaches its host only through a seam of its own (ITopicNode, ITopicProtocol) or
        // what it is handed at construction (settings, delegates). Rule 4 keeps them from using each other both ways.
        new("Features", ["Topics", "Resumption", "Messaging"], Surfaces: true),
        // The façades: the reconnecting client and the server, which compose the features and sit on top.
        new("Façades", ["Client", "Server"], Surfaces: true),
    ];

    /// <summary>Built only by the surfaces (rule 3).</summary>
    private static readonly string[] ConnectionTypes = ["WebSocketConnection"];

    /// <summary>The add-ons built on the core, the layer above the surfaces (rules 1 and 2).</summary>
    private static readonly string[] AddOns =
        ["RxSockets.Json", "RxSockets.AspNetCore", "RxSockets.Redis", "RxSockets.Hosting", "RxSockets.Testing", "RxSockets.Cli"];

    private const string KnownViolationsFile = "known-violations.txt";

    [Test]
    public void CompiledAssemblies_HaveExactlyTheKnownViolations()
    {
        var violations = FindViolations();
        var path = Path.Combine(SourceDirectory(), KnownViolationsFile);

        if (Environment.GetEnvironmentVariable(KnownViolations.UpdateVariable) == "1")
        {
            File.WriteAllText(path, KnownViolations.Format(violations));
        }

        var mismatch = KnownViolations.Compare(violations, KnownViolations.Read(path), $"tests/RxSockets.Tests/Architecture/{KnownViolationsFile}",
            string.Join(" → ", Layers.Select(l => l.Name).Append("add-ons")));
        if (mismatch is not null)
        {
            Assert.Fail(mismatch);
        }
    }

    [Test]
    public void KnownViolationsFile_IsGroupedAndSorted()
    {
        var path = Path.Combine(SourceDirectory(), KnownViolationsFile);
        var lines = File.ReadAllLines(path);
        var entries = lines.Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var sections = SplitSections(lines);

        Assert.Multiple(() =>
        {
            Assert.That(entries, Is.Unique, "an entry is listed twice");
            foreach (var (heading, keys) in sections)
            {
                Assert.That(keys, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), $"section '{heading}' is not sorted");
            }
        });
    }

    private static List<Violation> FindViolations()
    {
        var directory = AppContext.BaseDirectory;
        using var core = CompiledAssembly.Open(Path.Combine(directory, "RxSockets.dll"));
        var addOns = AddOns.Select(name => CompiledAssembly.Open(Path.Combine(directory, name + ".dll"))).ToList();
        try
        {
            var dependencies = DependencyReader.Read(core);
            return
            [
                .. ArchitectureRules.Layering(core, dependencies, Layers),
                .. ArchitectureRules.CoreReferencesNoAddOn(core, addOns),
                .. ArchitectureRules.Construction(core, dependencies, Layers, ConnectionTypes),
                .. ArchitectureRules.AddOnsUsePublicApiOnly(core, addOns, IsAllowedFriend),
                .. ArchitectureRules.FolderCycles(core, dependencies),
                .. ArchitectureRules.FolderComponents(core, dependencies),
            ];
        }
        finally
        {
            addOns.ForEach(a => a.Dispose());
        }
    }

    // Test assemblies may see internals, and so may the benchmarks (bench/, never shipped); nothing that ships may.
    private static bool IsAllowedFriend(string assembly) =>
        assembly.EndsWith(".Tests", StringComparison.Ordinal) || assembly == "RxSockets.Benchmarks";

    private static List<(string Heading, List<string> Keys)> SplitSections(IEnumerable<string> lines)
    {
        var sections = new List<(string, List<string>)>();
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                sections.Add((line[3..], []));
            }
            else if (!line.StartsWith('#') && sections.Count > 0)
            {
                sections[^1].Item2.Add(line);
            }
        }

        return sections;
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
