namespace RxSockets.Transport;

/// <summary>A field made on first use, from state, without a closure per call (unlike
/// <see cref="LazyInitializer.EnsureInitialized{T}(ref T, Func{T})"/> with a capturing factory), for the parts of a
/// connection that most connections never use. Thread-safe: when two threads race, one instance wins and both get it.
/// Parameterless types use <see cref="LazyInitializer.EnsureInitialized{T}(ref T)"/>.</summary>
internal static class LazyField
{
    public static T Get<T, TState>(ref T? field, TState state, Func<TState, T> create)
        where T : class
    {
        if (Volatile.Read(ref field) is { } existing)
        {
            return existing;
        }

        var created = create(state);
        return Interlocked.CompareExchange(ref field, created, null) ?? created;
    }
}
