namespace RxSockets.Transport;

/// <summary>An object that is its own node of a doubly linked list (<see cref="IntrusiveList"/>): being listed costs it
/// two references and no node object.</summary>
/// <typeparam name="T">The listed type itself.</typeparam>
internal interface IListNode<T>
    where T : class, IListNode<T>
{
    T? Previous { get; set; }

    T? Next { get; set; }
}

/// <summary>Adding to and removing from a list of <see cref="IListNode{T}"/> whose first node the caller keeps; the
/// caller also holds the list's lock. Used for every open connection's registries and for the heartbeat clocks.</summary>
internal static class IntrusiveList
{
    /// <summary>Puts <paramref name="node"/> first.</summary>
    public static void AddFirst<T>(ref T? head, T node)
        where T : class, IListNode<T>
    {
        node.Previous = null;
        node.Next = head;
        if (head is not null)
        {
            head.Previous = node;
        }

        head = node;
    }

    /// <summary>Unlinks <paramref name="node"/> if it is in the list that starts at <paramref name="head"/> (a node that
    /// was never added, or was removed already, has no previous node and is not the head).</summary>
    /// <returns>Whether it was there.</returns>
    public static bool TryRemove<T>(ref T? head, T node)
        where T : class, IListNode<T>
    {
        if (node.Previous is { } previous)
        {
            previous.Next = node.Next;
        }
        else if (head == node)
        {
            head = node.Next;
        }
        else
        {
            return false;
        }

        if (node.Next is { } next)
        {
            next.Previous = node.Previous;
        }

        node.Previous = node.Next = null;
        return true;
    }
}
