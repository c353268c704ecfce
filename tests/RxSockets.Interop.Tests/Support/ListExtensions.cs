namespace RxSockets.Interop.Tests.Support;

/// <summary>Small helpers for byte lists.</summary>
internal static class ListExtensions
{
    /// <summary>Tells whether <paramref name="list"/> ends with <paramref name="suffix"/>.</summary>
    public static bool EndsWith(this List<byte> list, ReadOnlySpan<byte> suffix) =>
        list.Count >= suffix.Length && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list)[^suffix.Length..].SequenceEqual(suffix);
}
