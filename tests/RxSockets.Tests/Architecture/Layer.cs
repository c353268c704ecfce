namespace RxSockets.Tests.Architecture;

/// <summary>
/// One layer of the core: the folders (namespaces relative to RxSockets, "(root)" for RxSockets itself) it owns, or,
/// for a layer carved out of the root namespace, the names of its types.
/// </summary>
internal sealed record Layer(string Name, string[] Folders, string[]? RootTypes = null)
{
    public bool Owns(string folder, string simpleName) =>
        RootTypes is null ? Folders.Contains(folder) : folder == "(root)" && RootTypes.Contains(simpleName);
}
