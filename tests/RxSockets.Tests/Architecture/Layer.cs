namespace RxSockets.Tests.Architecture;

/// <summary>
/// One layer of the core: the folders of the project (relative to src/RxSockets, "/"-separated) it owns, each with its
/// subfolders unless a subfolder is placed in a layer of its own. <paramref name="Surfaces"/>: the layer's types may
/// build connections (rule 3).
/// </summary>
internal sealed record Layer(string Name, string[] Folders, bool Surfaces = false)
{
    /// <summary>How closely this layer owns <paramref name="folder"/>: the length of its longest folder that is the
    /// folder or one of its parents, -1 when it owns none.</summary>
    public int Match(string folder) =>
        Folders.Where(f => folder == f || folder.StartsWith(f + "/", StringComparison.Ordinal)).Select(f => f.Length).DefaultIfEmpty(-1).Max();
}
