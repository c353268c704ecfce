namespace RxSockets.Tests.Architecture;

/// <summary>
/// One break of an architecture rule. <see cref="Key"/> is the line of known-violations.txt, under the heading
/// <see cref="Section"/>; <see cref="Detail"/> says where in the code it happens, for the failure message only (so
/// the list does not churn when the code around a known violation changes).
/// </summary>
internal sealed record Violation(string Section, string Key, string Detail)
{
    public override string ToString() => Detail.Length == 0 ? Key : $"{Key} via {Detail}";

    /// <summary>"field _owner, newobj in ConnectAsync, and 3 more": enough to find it, short enough to read.</summary>
    public static string Summarize(IEnumerable<string> places)
    {
        var distinct = places.Distinct().Order(StringComparer.Ordinal).ToList();
        const int Shown = 4;
        return distinct.Count <= Shown
            ? string.Join(", ", distinct)
            : $"{string.Join(", ", distinct.Take(Shown))} and {distinct.Count - Shown} more";
    }
}
