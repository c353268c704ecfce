using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// One built DLL opened with System.Reflection.Metadata: its tables are read as data, nothing is loaded or run.
/// Types are named relative to the root namespace ("Transport.ClientConnector", "WebSocketConnection").
/// </summary>
internal sealed class CompiledAssembly : IDisposable
{
    private const string RootNamespace = "RxSockets";
    private readonly PEReader _pe;

    private CompiledAssembly(string path)
    {
        Path = path;
        _pe = new PEReader(File.OpenRead(path));
        Reader = _pe.GetMetadataReader();
        Name = Reader.GetString(Reader.GetAssemblyDefinition().Name);
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

    /// <summary>The folder a type lives in, relative to the root namespace: "Transport", "Protocol.Deflate", "(root)".</summary>
    public string Folder(TypeDefinitionHandle handle)
    {
        var ns = Namespace(handle);
        return ns == RootNamespace ? "(root)" : ns.StartsWith(RootNamespace + ".", StringComparison.Ordinal) ? ns[(RootNamespace.Length + 1)..] : ns;
    }

    /// <summary>The outermost type's name, without generic arity.</summary>
    public string SimpleName(TypeDefinitionHandle handle)
    {
        var name = Reader.GetString(Reader.GetTypeDefinition(Outermost(handle)).Name);
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }

    /// <summary>"Transport.ClientConnector", or "WebSocketConnection" for a type of the root namespace.</summary>
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

    public void Dispose() => _pe.Dispose();
}
