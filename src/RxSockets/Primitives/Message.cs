using System.Text;

namespace RxSockets;

/// <summary>A complete WebSocket data message: its type and its payload.</summary>
/// <remarks>
/// A message owns its bytes: the SDK never reuses a buffer it handed out in a <see cref="Message"/>, so a message
/// may be kept, queued or sent to many connections. The struct is immutable and safe to share between threads.
/// </remarks>
public readonly struct Message : IEquatable<Message>
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private Message(MessageType type, ReadOnlyMemory<byte> data, bool skipCompression = false)
    {
        Type = type;
        Data = data;
        SkipCompression = skipCompression;
    }

    /// <summary>The message type: text or binary.</summary>
    public MessageType Type { get; }

    /// <summary>The payload. For a text message these are UTF-8 bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>True for a binary message.</summary>
    public bool IsBinary => Type == MessageType.Binary;

    /// <summary>True for a text message.</summary>
    public bool IsText => Type == MessageType.Text;

    /// <summary>True when this message is sent uncompressed (RSV1 clear) even on a connection that negotiated
    /// permessage-deflate, as ws's <c>send(data, { compress: false })</c>; see <see cref="WithoutCompression"/>.
    /// A sending hint only: it is not part of equality, and received messages never carry it.</summary>
    public bool SkipCompression { get; }

    /// <summary>The same message, marked to be sent uncompressed whatever permessage-deflate settled: for payloads
    /// that are already compressed (images, archives) or too random to shrink, where deflating is wasted work.</summary>
    /// <returns>A copy with <see cref="SkipCompression"/> set; the payload is shared, not copied.</returns>
    public Message WithoutCompression() => new(Type, Data, skipCompression: true);

    /// <summary>Creates a text message from a string (encoded as UTF-8).</summary>
    /// <param name="text">The text to send.</param>
    /// <exception cref="ArgumentException">The string holds a lone surrogate and cannot be encoded as UTF-8.</exception>
    public static Message Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return new Message(MessageType.Text, s_strictUtf8.GetBytes(text));
        }
        catch (EncoderFallbackException error)
        {
            throw new ArgumentException("The text holds an unpaired surrogate and cannot be sent as UTF-8.", nameof(text), error);
        }
    }

    /// <summary>Creates a text message from UTF-8 bytes, which must be valid UTF-8.</summary>
    /// <param name="utf8">The UTF-8 payload; the message keeps a reference to it, so do not change it afterwards.</param>
    /// <exception cref="ArgumentException">The bytes are not valid UTF-8.</exception>
    public static Message Text(ReadOnlyMemory<byte> utf8)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
        {
            throw new ArgumentException("A text message must be valid UTF-8.", nameof(utf8));
        }

        return new Message(MessageType.Text, utf8);
    }

    /// <summary>Creates a binary message.</summary>
    /// <param name="data">The payload; the message keeps a reference to it, so do not change it afterwards.</param>
    public static Message Binary(ReadOnlyMemory<byte> data) => new(MessageType.Binary, data);

    /// <summary>Creates a text message from UTF-8 bytes without checking them: for bytes that are valid UTF-8 by
    /// construction, such as a JSON serialiser's or <see cref="System.Text.Json.Utf8JsonWriter"/>'s output, where
    /// <see cref="Text(ReadOnlyMemory{byte})"/>'s validation pass would be wasted work.</summary>
    /// <param name="utf8">The UTF-8 payload; the message keeps a reference to it, so do not change it afterwards.</param>
    /// <returns>A text message over <paramref name="utf8"/> (not copied).</returns>
    /// <remarks>The bytes are sent as they are: if they are not valid UTF-8 after all, the peer fails the connection
    /// with <see cref="CloseCode.InvalidPayloadData"/> (1007), as RFC 6455 section 8.1 requires. When in doubt, use
    /// <see cref="Text(ReadOnlyMemory{byte})"/>.</remarks>
    public static Message TextUnchecked(ReadOnlyMemory<byte> utf8) => new(MessageType.Text, utf8);

    /// <summary>Creates a message without validation: for payloads the engine has already checked.</summary>
    internal static Message Create(MessageType type, ReadOnlyMemory<byte> data) => new(type, data);

    /// <summary>Decodes the payload as UTF-8 text (for binary messages too).</summary>
    /// <returns>The payload as a string.</returns>
    public string GetText() => Encoding.UTF8.GetString(Data.Span);

    /// <inheritdoc />
    public bool Equals(Message other) => Type == other.Type && Data.Span.SequenceEqual(other.Data.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Message other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.AddBytes(Data.Span);
        return hash.ToHashCode();
    }

    /// <summary>Compares two messages by type and payload bytes.</summary>
    public static bool operator ==(Message left, Message right) => left.Equals(right);

    /// <summary>Compares two messages by type and payload bytes.</summary>
    public static bool operator !=(Message left, Message right) => !left.Equals(right);

    /// <summary>A short description for logs and debuggers: the type and size, never the payload.</summary>
    public override string ToString() => $"{Type} message, {Data.Length} bytes";
}
