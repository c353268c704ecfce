namespace RxSockets.Examples;

/// <summary>The JSON message of <see cref="JsonExample"/>.</summary>
/// <param name="Type">What kind of message it is.</param>
/// <param name="User">Who sent it.</param>
/// <param name="Text">The text.</param>
/// <param name="Timestamp">When it was sent, in Unix milliseconds.</param>
public sealed record ChatMessage(string Type, string User, string Text, long Timestamp);
