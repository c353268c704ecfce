namespace RxSockets.Tests.Architecture;

/// <summary>The folder graph's cycles: its strongly connected components (Tarjan's algorithm), so rule 4 sees a cycle
/// through any number of folders, not only two that use each other.</summary>
internal static class FolderGraph
{
    /// <summary>The components of the graph of <paramref name="edges"/>, each sorted ordinally, ordered by their first
    /// folder; a folder on no cycle is a component of its own.</summary>
    public static List<List<string>> StronglyConnected(IEnumerable<(string From, string To)> edges)
    {
        var next = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (from, to) in edges)
        {
            Successors(next, from).Add(to);
            Successors(next, to);
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();

        void Visit(string folder)
        {
            index[folder] = low[folder] = index.Count;
            stack.Push(folder);
            onStack.Add(folder);
            foreach (var successor in next[folder])
            {
                if (!index.TryGetValue(successor, out var visited))
                {
                    Visit(successor);
                    low[folder] = Math.Min(low[folder], low[successor]);
                }
                else if (onStack.Contains(successor))
                {
                    low[folder] = Math.Min(low[folder], visited);
                }
            }

            if (low[folder] != index[folder])
            {
                return;
            }

            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != folder);
            components.Add([.. component.Order(StringComparer.Ordinal)]);
        }

        // The graph is a few dozen folders: recursion depth is bounded by their number.
        foreach (var folder in next.Keys)
        {
            if (!index.ContainsKey(folder))
            {
                Visit(folder);
            }
        }

        return [.. components.OrderBy(c => c[0], StringComparer.Ordinal)];
    }

    private static List<string> Successors(SortedDictionary<string, List<string>> next, string folder)
    {
        if (!next.TryGetValue(folder, out var successors))
        {
            next[folder] = successors = [];
        }

        return successors;
    }
}
