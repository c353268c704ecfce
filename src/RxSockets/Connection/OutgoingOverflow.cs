namespace RxSockets;

/// <summary>What <c>Outgoing.OnNext</c> does when the send queue is full. <c>SendAsync</c> always waits instead.</summary>
public enum OutgoingOverflow
{
    /// <summary>Close the connection with 1011 and fail it: nothing is lost silently.</summary>
    Fail,

    /// <summary>Drop the new message and count it in <c>DroppedOutgoing</c>.</summary>
    DropNewest,
}
