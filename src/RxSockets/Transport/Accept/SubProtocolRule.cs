namespace RxSockets.Transport.Accept;

/// <summary>The server's subprotocol rule, the same for listening and detached servers: the protocols the server runs
/// itself come first when offered (with resumption the newest resume version, with messaging <c>rxsockets.v1</c>),
/// then the user's rule (its selection hook, else the first offer that is listed). The surface names the server's own
/// protocols, so this rule knows no feature above the accept path.</summary>
internal static class SubProtocolRule
{
    /// <param name="own">The protocols the server runs itself, most preferred first; empty for none.</param>
    /// <param name="select">The user's selection hook, or null.</param>
    /// <param name="listed">The subprotocols the user listed, used when <paramref name="select"/> is null.</param>
    /// <returns>The rule, or <paramref name="select"/> itself when the server runs no protocol of its own.</returns>
    public static Func<IReadOnlyList<string>, string?>? For(
        IReadOnlyList<string> own, Func<IReadOnlyList<string>, string?>? select, IReadOnlyList<string> listed)
    {
        if (own.Count == 0)
        {
            return select;
        }

        string[] ownFirst = [.. own];
        string[] listedCopy = [.. listed];
        return offers => Array.Find(ownFirst, name => offers.Contains(name, StringComparer.Ordinal))
            ?? (select is not null ? select(offers) : offers.FirstOrDefault(offer => listedCopy.Contains(offer, StringComparer.Ordinal)));
    }
}
