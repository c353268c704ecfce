namespace RxSockets.Messaging;

/// <summary>Where a <see cref="ClientTopic"/>'s subscription stands on the client's current connection.</summary>
internal enum SubscriptionState
{
    /// <summary>Not subscribed on this connection (or no connection).</summary>
    None,

    /// <summary>A <c>sub</c> is queued or sent, its answer not yet read.</summary>
    Subscribing,

    /// <summary>The server answered <c>subok</c>.</summary>
    Subscribed,

    /// <summary>An <c>unsub</c> is queued or sent, its answer not yet read.</summary>
    Unsubscribing,
}
