using System.Text;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// The checked-in allow-list, known-violations.txt: one line per violation that exists today, under a "## section"
/// heading per rule, sorted. Blank lines and lines starting with '#' are not entries.
/// </summary>
internal static class KnownViolations
{
    public const string UpdateVariable = "RXSOCKETS_UPDATE_ARCHITECTURE";

    public const string UpdateCommand =
        UpdateVariable + "=1 dotnet test tests/RxSockets.Tests --filter \"FullyQualifiedName~ArchitectureTests\"";

    public static HashSet<string> Read(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal)
            : [];

    /// <summary>The file for <paramref name="violations"/>: sections in rule order, entries sorted within each.</summary>
    public static string Format(IEnumerable<Violation> violations)
    {
        var text = new StringBuilder()
            .Append("# Known violations of the architecture rules checked by ArchitectureTests.cs (issue 15).\n")
            .Append("# This list is the to-do of issue 15's refactor: it may only shrink. The test fails when a violation\n")
            .Append("# appears that is not listed here, and when a listed one is gone (take it out, so it cannot come back).\n")
            .Append("# Rewrite it from the code: ").Append(UpdateCommand).Append('\n');
        foreach (var section in violations.GroupBy(v => v.Section))
        {
            text.Append('\n').Append("## ").Append(section.Key).Append('\n');
            foreach (var key in section.Select(v => v.Key).Distinct().Order(StringComparer.Ordinal))
            {
                text.Append(key).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Null when the code and the list agree; otherwise what differs, and what to do about it.</summary>
    public static string? Compare(IReadOnlyCollection<Violation> actual, HashSet<string> known, string fileName, string layerOrder)
    {
        var added = actual.Where(v => !known.Contains(v.Key)).OrderBy(v => v.Key, StringComparer.Ordinal).ToList();
        var actualKeys = actual.Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        var gone = known.Where(k => !actualKeys.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (added.Count == 0 && gone.Count == 0)
        {
            return null;
        }

        var message = new StringBuilder();
        if (added.Count > 0)
        {
            message.Append($"{added.Count} new architecture violation(s), not in {fileName}:\n");
            foreach (var violation in added)
            {
                message.Append("  ").Append(violation).Append('\n');
            }

            message.Append($"A lower layer must not use a higher one ({layerOrder}), ")
                .Append("nothing below the surfaces constructs a connection, add-ons use the core's public API only, and folders do not ")
                .Append("depend on each other both ways. Fix the code rather than list it: the list is issue 15's to-do and may only shrink.\n");
        }

        if (gone.Count > 0)
        {
            message.Append($"{gone.Count} listed violation(s) no longer exist. Good: the refactor removed them. Take them out of {fileName} ")
                .Append("so they cannot come back (the list only shrinks):\n");
            foreach (var key in gone)
            {
                message.Append("  ").Append(key).Append('\n');
            }
        }

        message.Append($"To rewrite {fileName} from the code: {UpdateCommand}, then review the diff (it should only lose lines) and commit it.");
        return message.ToString();
    }
}
