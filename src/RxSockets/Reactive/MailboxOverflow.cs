namespace RxSockets;

/// <summary>What a bounded mailbox (<see cref="MessageFlowExtensions.Mailbox{T}"/>) does with a value that arrives
/// while it is full.</summary>
public enum MailboxOverflow
{
    /// <summary>Drop the oldest waiting value to make room for the new one, and count the drop.</summary>
    DropOldest,

    /// <summary>Keep the waiting values and drop the new one, and count the drop.</summary>
    DropNewest,

    /// <summary>Stop taking values: the subscriber receives the values already waiting, then
    /// <c>OnError</c> with an <see cref="InvalidOperationException"/>. The value that did not fit is neither delivered
    /// nor counted; no value is dropped silently.</summary>
    Error,
}
