namespace RxSockets.Examples;

/// <summary>The server's answer to a bad request, as written by <c>JsonMessageRouter.ReplyToDeadLetters</c>.</summary>
/// <param name="Reason">Machine-readable: not-json, missing-discriminator, unknown-discriminator, bind-failed.</param>
/// <param name="Detail">For people.</param>
public sealed record ErrorReply(string Reason, string? Detail);
