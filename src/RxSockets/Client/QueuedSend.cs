namespace RxSockets.Client;

/// <summary>One message in the reconnecting client's queue, with its expiry when it was sent with a time-to-live.</summary>
internal readonly record struct QueuedSend(Message Message, ExpiringSend? Expiry);
