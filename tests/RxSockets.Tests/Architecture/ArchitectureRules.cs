using System.Reflection;
using System.Reflection.Metadata;

namespace RxSockets.Tests.Architecture;

/// <summary>The four rules of <see cref="ArchitectureTests"/>, each turning the compiled assemblies into violations.</summary>
internal static class ArchitectureRules
{
    /// <summary>Rule 1: a type uses only types of its own layer and the layers below it.</summary>
    public static IEnumerable<Violation> Layering(CompiledAssembly core, IReadOnlyList<Dependency> dependencies, IReadOnlyList<Layer> layers)
    {
        int Rank(TypeDefinitionHandle type) => LayerOf(core, type, layers);

        return dependencies
            .Where(d => core.IsLayered(d.From) && core.IsLayered(d.To) && Rank(d.From) < Rank(d.To))
            .GroupBy(d => (d.From, d.To))
            .OrderBy(g => Rank(g.Key.From)).ThenBy(g => Rank(g.Key.To))
            .Select(g =>
            {
                var (from, to) = (layers[Rank(g.Key.From)], layers[Rank(g.Key.To)]);
                return new Violation(
                    $"Layers: {from.Name} → {to.Name}",
                    $"{core.Display(g.Key.From)} → {core.Display(g.Key.To)} ({to.Name})",
                    Violation.Summarize(g.Select(d => d.Via)));
            });
    }

    /// <summary>Rule 1, across assemblies: the core references none of the add-ons built on it.</summary>
    public static IEnumerable<Violation> CoreReferencesNoAddOn(CompiledAssembly core, IEnumerable<CompiledAssembly> addOns)
    {
        var names = addOns.Select(a => a.Name).ToHashSet();
        return core.Reader.AssemblyReferences
            .Select(r => core.Reader.GetString(core.Reader.GetAssemblyReference(r).Name))
            .Where(names.Contains)
            .Select(name => new Violation("Layers: core → add-ons", $"{core.Name} references the add-on {name}", ""));
    }

    /// <summary>Rule 3: only a surface calls the constructor of a connection type.</summary>
    public static IEnumerable<Violation> Construction(CompiledAssembly core, IReadOnlyList<Dependency> dependencies, IReadOnlyList<Layer> layers, string[] connectionTypes) =>
        dependencies
            .Where(d => d.Constructs && core.IsLayered(d.To) && connectionTypes.Contains(core.SimpleName(d.To))
                && !layers[LayerOf(core, d.From, layers)].Surfaces)
            .GroupBy(d => (d.From, d.To))
            .Select(g => new Violation(
                "Below the surfaces, a connection is constructed",
                $"{core.Display(g.Key.From)} constructs {core.Display(g.Key.To)}",
                Violation.Summarize(g.Select(d => d.Via))));

    /// <summary>
    /// Rule 2: no add-on sees the core's internals, neither granted (InternalsVisibleTo, read from the core's
    /// assembly attributes) nor used (a type or member of the core that is not public, referenced by an add-on).
    /// </summary>
    public static IEnumerable<Violation> AddOnsUsePublicApiOnly(CompiledAssembly core, IEnumerable<CompiledAssembly> addOns, Func<string, bool> isAllowedFriend)
    {
        foreach (var friend in FriendAssemblies(core).Where(f => !isAllowedFriend(f)))
        {
            yield return new Violation("Add-ons see internals", $"{core.Name} grants InternalsVisibleTo to {friend}", "");
        }

        var coreTypes = core.Reader.TypeDefinitions.ToDictionary(h => FullName(core.Reader, h));
        foreach (var addOn in addOns)
        {
            var reader = addOn.Reader;
            var uses = new List<(string Key, string Via)>();
            foreach (var handle in reader.TypeReferences)
            {
                if (ResolveInCore(reader, handle, core.Name, coreTypes) is { } type && !IsVisible(core.Reader, type))
                {
                    uses.Add(($"{addOn.Name} uses the internal type {core.Display(type)}", "type reference"));
                }
            }

            foreach (var handle in reader.MemberReferences)
            {
                var member = reader.GetMemberReference(handle);
                var parent = member.Parent.Kind == HandleKind.TypeReference ? (TypeReferenceHandle)member.Parent : default;
                if (parent.IsNil || ResolveInCore(reader, parent, core.Name, coreTypes) is not { } type)
                {
                    continue;
                }

                var name = reader.GetString(member.Name);
                if (!MemberIsVisible(core.Reader, type, name))
                {
                    uses.Add(($"{addOn.Name} uses the internal member {core.Display(type)}.{name}", "member reference"));
                }
            }

            foreach (var use in uses.GroupBy(u => u.Key))
            {
                yield return new Violation("Add-ons see internals", use.Key, Violation.Summarize(use.Select(u => u.Via)));
            }
        }
    }

    /// <summary>Rule 4: two folders that use each other (directly, each way) are reported as one pair.</summary>
    public static IEnumerable<Violation> FolderCycles(CompiledAssembly core, IReadOnlyList<Dependency> dependencies)
    {
        string FolderOf(TypeDefinitionHandle type) => core.Folder(type);

        var edges = dependencies
            .Where(d => core.IsLayered(d.From) && core.IsLayered(d.To) && FolderOf(d.From) != FolderOf(d.To))
            .GroupBy(d => (From: FolderOf(d.From), To: FolderOf(d.To)))
            .ToDictionary(g => g.Key, g => g.Select(d => $"{core.Display(d.From)} → {core.Display(d.To)}").Distinct().Order(StringComparer.Ordinal).ToList());

        foreach (var ((a, b), forward) in edges.Where(e => string.CompareOrdinal(e.Key.From, e.Key.To) < 0))
        {
            if (edges.TryGetValue((b, a), out var backward))
            {
                yield return new Violation(
                    "Folders that depend on each other both ways",
                    $"{a} ⇄ {b}",
                    $"{Violation.Summarize(forward)}; back: {Violation.Summarize(backward)}");
            }
        }
    }

    /// <summary>Rule 4, longer cycles: folders that reach each other through others (a strongly connected component
    /// of three or more folders of the folder graph); two folders that use each other are the pair rule's.</summary>
    public static IEnumerable<Violation> FolderComponents(CompiledAssembly core, IReadOnlyList<Dependency> dependencies)
    {
        string FolderOf(TypeDefinitionHandle type) => core.Folder(type);

        var edges = dependencies
            .Where(d => core.IsLayered(d.From) && core.IsLayered(d.To) && FolderOf(d.From) != FolderOf(d.To))
            .Select(d => (From: FolderOf(d.From), To: FolderOf(d.To)))
            .Distinct()
            .ToList();
        foreach (var component in FolderGraph.StronglyConnected(edges).Where(c => c.Count > 2))
        {
            yield return new Violation(
                "Folders in a dependency cycle",
                string.Join(" ⇄ ", component),
                string.Join(", ", edges.Where(e => component.Contains(e.From) && component.Contains(e.To)).Select(e => $"{e.From} → {e.To}").Order(StringComparer.Ordinal)));
        }
    }

    /// <summary>The index of the layer that owns a type's folder most closely; a folder in no layer fails, so a new
    /// one gets a place.</summary>
    private static int LayerOf(CompiledAssembly core, TypeDefinitionHandle type, IReadOnlyList<Layer> layers)
    {
        var folder = core.Folder(type);
        var (best, length) = (-1, -1);
        for (var i = 0; i < layers.Count; i++)
        {
            var match = layers[i].Match(folder);
            if (match > length)
            {
                (best, length) = (i, match);
            }
        }

        return best >= 0 ? best : throw new InvalidOperationException(
            $"{core.Display(type)}: the folder '{folder}' is in no layer. Add it to the layer map in ArchitectureTests.cs.");
    }

    private static IEnumerable<string> FriendAssemblies(CompiledAssembly assembly)
    {
        var reader = assembly.Reader;
        foreach (var attribute in reader.GetAssemblyDefinition().GetCustomAttributes().Select(reader.GetCustomAttribute))
        {
            if (attribute.Constructor.Kind != HandleKind.MemberReference)
            {
                continue;
            }

            var parent = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
            if (parent.Kind != HandleKind.TypeReference
                || reader.GetString(reader.GetTypeReference((TypeReferenceHandle)parent).Name) != "InternalsVisibleToAttribute")
            {
                continue;
            }

            // The value blob: prolog 0x0001, then the one string argument, "Name" or "Name, PublicKey=...".
            var blob = reader.GetBlobReader(attribute.Value);
            blob.ReadUInt16();
            var value = blob.ReadSerializedString() ?? "";
            yield return value.Split(',')[0].Trim();
        }
    }

    private static string FullName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var name = reader.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        return declaring.IsNil ? $"{reader.GetString(type.Namespace)}.{name}" : $"{FullName(reader, declaring)}/{name}";
    }

    // A type reference of an add-on that names a type of the core: its scope (through nesting) is the core's
    // assembly reference.
    private static TypeDefinitionHandle? ResolveInCore(MetadataReader reader, TypeReferenceHandle handle, string coreName, Dictionary<string, TypeDefinitionHandle> coreTypes)
    {
        var reference = reader.GetTypeReference(handle);
        var name = reader.GetString(reference.Name);
        var scope = reference.ResolutionScope;
        string fullName;
        if (scope.Kind == HandleKind.TypeReference)
        {
            if (ResolveInCore(reader, (TypeReferenceHandle)scope, coreName, coreTypes) is not { } outer)
            {
                return null;
            }

            fullName = coreTypes.First(t => t.Value == outer).Key + "/" + name;
        }
        else if (scope.Kind == HandleKind.AssemblyReference
                 && reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) == coreName)
        {
            fullName = $"{reader.GetString(reference.Namespace)}.{name}";
        }
        else
        {
            return null;
        }

        return coreTypes.TryGetValue(fullName, out var type) ? type : null;
    }

    private static bool IsVisible(MetadataReader reader, TypeDefinitionHandle handle)
    {
        for (var type = reader.GetTypeDefinition(handle); ; type = reader.GetTypeDefinition(type.GetDeclaringType()))
        {
            var visibility = type.Attributes & TypeAttributes.VisibilityMask;
            if (visibility is not (TypeAttributes.Public or TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem))
            {
                return false;
            }

            if (type.GetDeclaringType().IsNil)
            {
                return true;
            }
        }
    }

    // By name: an add-on that compiles against the core's public API can only bind to a visible member, so if no
    // member of that name is visible, it used an internal one.
    private static bool MemberIsVisible(MetadataReader reader, TypeDefinitionHandle handle, string name)
    {
        var type = reader.GetTypeDefinition(handle);
        var methods = type.GetMethods().Select(reader.GetMethodDefinition)
            .Where(m => reader.GetString(m.Name) == name)
            .Select(m => m.Attributes & MethodAttributes.MemberAccessMask);
        var fields = type.GetFields().Select(reader.GetFieldDefinition)
            .Where(f => reader.GetString(f.Name) == name)
            .Select(f => (MethodAttributes)(int)(f.Attributes & FieldAttributes.FieldAccessMask));
        var access = methods.Concat(fields).ToList();
        return access.Count == 0 // inherited from a base type: the type reference check covers the base
            || access.Any(a => a is MethodAttributes.Public or MethodAttributes.Family or MethodAttributes.FamORAssem);
    }
}
