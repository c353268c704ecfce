namespace RxSockets.Scaling;

/// <summary>A message on its way between nodes: a topic publication or a broadcast.</summary>
/// <param name="Message">The message.</param>
/// <param name="Node">The node that sent it.</param>
/// <param name="Except">A connection of <paramref name="Node"/> that must not receive it (the sender), or null.</param>
/// <param name="Filter">For a broadcast, the name of the filter each node applies to its own connections
/// (<see cref="WebSocketServerOptions.BroadcastFilters"/>), or null for every connection.</param>
public sealed record BackplaneMessage(Message Message, string Node, long? Except = null, string? Filter = null);
