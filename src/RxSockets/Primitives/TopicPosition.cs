namespace RxSockets;

/// <summary>
/// A place in a topic's stream of publications: the <paramref name="Offset"/> of the last publication seen, in the
/// topic's <paramref name="Epoch"/>. Offsets increase by one per publication of the topic, cluster-wide; the epoch names
/// one unbroken history and changes when that history is lost (the backplane restarted empty, the stream was deleted),
/// so an offset means nothing under another epoch.
/// </summary>
/// <param name="Offset">The offset of the last publication seen; 0 before the first.</param>
/// <param name="Epoch">The topic's epoch; empty when it is not known (no publication yet, or no backplane reached).</param>
public readonly record struct TopicPosition(long Offset, string Epoch)
{
    /// <summary>"offset@epoch", as written in logs and URLs.</summary>
    public override string ToString() => $"{Offset}@{Epoch}";

    /// <summary>Reads the "offset@epoch" form of <see cref="ToString"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="position">The position read.</param>
    /// <returns>True when <paramref name="text"/> is a non-negative offset, '@' and an epoch.</returns>
    public static bool TryParse(string? text, out TopicPosition position)
    {
        position = default;
        var at = text?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        if (at <= 0 || !long.TryParse(text.AsSpan(0, at), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset))
        {
            return false;
        }

        position = new TopicPosition(offset, text![(at + 1)..]);
        return true;
    }
}
