namespace RxSockets.Interop.Tests.Support;

/// <summary>One message of an echo scenario: sent to a peer, which must return the same type and bytes.</summary>
/// <param name="Name">A short name, used as the test case name.</param>
/// <param name="Type">Text or binary.</param>
/// <param name="Payload">The exact bytes; UTF-8 for text.</param>
public sealed record EchoCase(string Name, MessageType Type, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Returns the RxSockets message with this case's type and payload.</summary>
    public Message ToMessage() => Type == MessageType.Text ? Message.Text(Payload) : Message.Binary(Payload);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
