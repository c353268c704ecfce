using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// One built DLL opened with System.Reflection.Metadata: its tables are read as data, nothing is loaded or run. Its
/// portable PDB says which source file, hence which FOLDER of the project, each type was written in: public types keep
/// the root namespace wherever they live, so the folder, not the namespace, places a type in a layer. Types are named
/// by folder ("Transport/Connect.ClientConnector", "Client.WebSocketClient").
/// </summary>
internal sealed class CompiledAssembly : IDisposable
{
    private const string RootNamespace = "RxSockets";

    // CustomDebugInformation kind the compiler writes for a type with no method bodies (an enum, an interface, a record
    // struct of fields): the documents it was declared in.
    private static readonly Guid TypeDefinitionDocuments = new("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");

    private readonly PEReader _pe;
    private MetadataReaderProvider? _pdb;
    private readonly Dictionary<TypeDefinitionHandle, string> _folders = [];

    private CompiledAssembly(string path)
    {
        Path = path;
        _pe = new PEReader(File.OpenRead(path));
        Reader = _pe.GetMetadataReader();
        Name = Reader.GetString(Reader.GetAssemblyDefinition().Name);
    }

    // Read only for the assembly whose folders are asked for (the core), not for the add-ons.
    private MetadataReader Debug
    {
        get
        {
            if (_pdb is null)
            {
                var pdb = System.IO.Path.ChangeExtension(Path, ".pdb");
                _pdb = MetadataReaderProvider.FromPortablePdbStream(File.Exists(pdb)
                    ? File.OpenRead(pdb)
                    : throw new FileNotFoundException($"The architecture test reads the portable PDB beside {Path}: {pdb} is missing.", pdb));
            }

            return _pdb.GetMetadataReader();
        }
    }

    public string Path { get; }

    public string Name { get; }

    public MetadataReader Reader { get; }

    public static CompiledAssembly Open(string path) =>
        File.Exists(path) ? new CompiledAssembly(path) : throw new FileNotFoundException($"Build the solution first: {path} is missing.", path);

    public MethodBodyBlock? Body(MethodDefinition method) =>
        method.RelativeVirtualAddress == 0 ? null : _pe.GetMethodBody(method.RelativeVirtualAddress);

    /// <summary>Nested types (closures, state machines, helpers) belong to the type that declares them.</summary>
    public TypeDefinitionHandle Outermost(TypeDefinitionHandle handle)
    {
        var declaring = Reader.GetTypeDefinition(handle).GetDeclaringType();
        while (!declaring.IsNil)
        {
            handle = declaring;
            declaring = Reader.GetTypeDefinition(handle).GetDeclaringType();
        }

        return handle;
    }

    /// <summary>The namespace of the outermost type: "RxSockets.Transport".</summary>
    public string Namespace(TypeDefinitionHandle handle) =>
        Reader.GetString(Reader.GetTypeDefinition(Outermost(handle)).Namespace);

    /// <summary>
    /// The folder of the project a type's source lives in: "Transport/Connect", "Client", "(root)" for the project's
    /// own directory. Read from the PDB: the documents of the type's (and its nested types') method bodies, or, for a
    /// type without any, the documents the compiler lists for it; generated sources (obj/) do not count.
    /// </summary>
    public string Folder(TypeDefinitionHandle handle)
    {
        handle = Outermost(handle);
        if (!_folders.TryGetValue(handle, out var folder))
        {
            var folders = Documents(handle).Select(ProjectFolder).OfType<string>().Distinct().ToList();
            folder = folders.Count switch
            {
                1 => folders[0],
                0 => throw new InvalidOperationException($"{Reader.GetString(Reader.GetTypeDefinition(handle).Name)}: no source document of {Name} in the PDB."),
                _ => throw new InvalidOperationException(
                    $"{Reader.GetString(Reader.GetTypeDefinition(handle).Name)} is written in several folders ({string.Join(", ", folders)}): keep a type's partial files together."),
            };
            _folders[handle] = folder;
        }

        return folder;
    }

    private IEnumerable<string> Documents(TypeDefinitionHandle handle)
    {
        var type = Reader.GetTypeDefinition(handle);
        foreach (var method in type.GetMethods())
        {
            var info = Debug.GetMethodDebugInformation(method.ToDebugInformationHandle());
            if (!info.Document.IsNil)
            {
                yield return DocumentName(info.Document);
            }
            else if (!info.SequencePointsBlob.IsNil)
            {
                foreach (var point in info.GetSequencePoints())
                {
                    yield return DocumentName(point.Document);
                }
            }
        }

        foreach (var information in Debug.GetCustomDebugInformation(handle).Select(Debug.GetCustomDebugInformation))
        {
            if (Debug.GetGuid(information.Kind) != TypeDefinitionDocuments)
            {
                continue;
            }

            var blob = Debug.GetBlobReader(information.Value);
            while (blob.RemainingBytes > 0)
            {
                yield return DocumentName(MetadataTokens.DocumentHandle(blob.ReadCompressedInteger()));
            }
        }

        foreach (var nested in type.GetNestedTypes())
        {
            foreach (var document in Documents(nested))
            {
                yield return document;
            }
        }
    }

    private string DocumentName(DocumentHandle handle) => Debug.GetString(Debug.GetDocument(handle).Name).Replace('\\', '/');

    // "/work/main/src/RxSockets/Transport/Connect/ClientConnector.cs" (or "/_/src/RxSockets/...", deterministic) →
    // "Transport/Connect": the project's directory is named after its assembly. Null for a document outside the
    // project's sources (generated into obj/).
    private string? ProjectFolder(string document)
    {
        var marker = $"/{Name}/";
        var at = document.LastIndexOf(marker, StringComparison.Ordinal);
        if (at < 0 || document.Contains("/obj/", StringComparison.Ordinal))
        {
            return null;
        }

        var relative = document[(at + marker.Length)..];
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? "(root)" : relative[..slash];
    }

    /// <summary>The outermost type's name, without generic arity.</summary>
    public string SimpleName(TypeDefinitionHandle handle)
    {
        var name = Reader.GetString(Reader.GetTypeDefinition(Outermost(handle)).Name);
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }

    /// <summary>"Transport/Connect.ClientConnector", "Client.WebSocketClient", or the bare name for the project's root folder.</summary>
    public string Display(TypeDefinitionHandle handle)
    {
        var folder = Folder(handle);
        return folder == "(root)" ? SimpleName(handle) : $"{folder}.{SimpleName(handle)}";
    }

    /// <summary>Only the library's own types are layered: not &lt;Module&gt;, nor attributes the compiler embeds.</summary>
    public bool IsLayered(TypeDefinitionHandle handle)
    {
        var ns = Namespace(handle);
        return ns == RootNamespace || ns.StartsWith(RootNamespace + ".", StringComparison.Ordinal);
    }

    /// <summary>
    /// The source member a method belongs to: a lambda, local function or async state machine is named after the
    /// method it was written in ("&lt;ConnectAsync&gt;d__12.MoveNext" is ConnectAsync).
    /// </summary>
    public string Member(MethodDefinitionHandle handle)
    {
        var method = Reader.GetMethodDefinition(handle);
        var name = Reader.GetString(method.Name);
        if (SourceName(name) is { } fromMethod)
        {
            return fromMethod;
        }

        for (var type = method.GetDeclaringType(); !type.IsNil; type = Reader.GetTypeDefinition(type).GetDeclaringType())
        {
            if (SourceName(Reader.GetString(Reader.GetTypeDefinition(type).Name)) is { } fromType)
            {
                return fromType;
            }
        }

        return name;
    }

    /// <summary>
    /// A field as the source wrote it: "field _owner", "property Rejection" (a backing field), "parameter options" (a
    /// primary constructor's), "local connection in AcceptAsync" (hoisted into a state machine or closure).
    /// </summary>
    public string DescribeField(TypeDefinitionHandle declaringType, string name)
    {
        var source = SourceName(name);
        var kind = name.EndsWith(">k__BackingField", StringComparison.Ordinal) ? "property"
            : name.EndsWith(">P", StringComparison.Ordinal) ? "parameter"
            : source is null ? "field" : "local";
        var described = $"{kind} {source ?? name}";
        for (var type = declaringType; !type.IsNil; type = Reader.GetTypeDefinition(type).GetDeclaringType())
        {
            if (SourceName(Reader.GetString(Reader.GetTypeDefinition(type).Name)) is { } member)
            {
                return $"{described} in {member}";
            }
        }

        return described;
    }

    // "<ConnectAsync>b__5_0", "<<Run>g__Local|3_0>d" → the name between the first '<'s and '>'; "<>c" has none.
    private static string? SourceName(string generated)
    {
        if (!generated.StartsWith('<'))
        {
            return null;
        }

        var trimmed = generated.TrimStart('<');
        var end = trimmed.IndexOf('>', StringComparison.Ordinal);
        return end > 0 ? trimmed[..end] : null;
    }

    public void Dispose()
    {
        _pe.Dispose();
        _pdb?.Dispose();
    }
}
