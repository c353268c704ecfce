using System.Buffers;
using System.Text;
using System.Text.Json;

namespace RxSockets.Messaging;

/// <summary>
/// Writes and reads <c>rxsockets.v1</c> frames: one WebSocket message each, a compact JSON header, a line feed, then
/// the payload's bytes, the message's type being the payload's (the README's "Messaging protocol"). Stateless and
/// thread-safe.
/// </summary>
internal static class ProtocolCodec
{
    /// <summary>The subprotocol name a connection negotiates for this protocol.</summary>
    public const string SubProtocol = "rxsockets.v1";

    /// <summary>The longest topic name, in UTF-8 bytes.</summary>
    public const int MaxTopicBytes = 256;

    private const byte LineFeed = 0x0A;

    private static readonly (string Wire, FrameKind Kind)[] s_kinds =
    [
        ("sub", FrameKind.Subscribe), ("unsub", FrameKind.Unsubscribe), ("pub", FrameKind.Publish), ("req", FrameKind.Request),
        ("res", FrameKind.Reply), ("err", FrameKind.Error), ("subok", FrameKind.Subscribed), ("unsubok", FrameKind.Unsubscribed),
        ("puback", FrameKind.PublishAck), ("p", FrameKind.Publication), ("gap", FrameKind.Gap),
    ];

    /// <summary>The frame as one WebSocket message.</summary>
    /// <exception cref="ArgumentException">The frame lacks a field its kind needs, or carries a payload its kind has
    /// none of.</exception>
    public static Message Encode(ProtocolFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (Check(frame) is { } problem)
        {
            throw new ArgumentException($"A '{WireName(frame.Kind)}' frame {problem}.", nameof(frame));
        }

        var payload = frame.Payload;
        var output = new ArrayBufferWriter<byte>(128 + (payload?.Data.Length ?? 0));
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("t"u8, WireName(frame.Kind));
            if (frame.Id > 0)
            {
                json.WriteNumber("id"u8, frame.Id);
            }

            WriteIfSet(json, "topic"u8, frame.Topic);
            WriteIfSet(json, "pos"u8, frame.Position?.ToString());
            WriteIfSet(json, "cur"u8, frame.Current?.ToString());
            if (frame.Kind == FrameKind.Subscribed)
            {
                json.WriteNumber("recovered"u8, frame.Recovered);
            }

            WriteIfSet(json, "name"u8, frame.Name);
            WriteIfSet(json, "code"u8, frame.Code);
            WriteIfSet(json, "reason"u8, frame.Reason);
            json.WriteEndObject();
        }

        output.Write([LineFeed]);
        if (payload is { } message)
        {
            output.Write(message.Data.Span);
        }

        var bytes = output.WrittenMemory.ToArray();
        return payload?.Type == MessageType.Binary ? Message.Binary(bytes) : Message.Text(bytes);
    }

    /// <summary>Reads a WebSocket message as a frame.</summary>
    /// <param name="message">The message.</param>
    /// <param name="frame">The frame read; null when the message is not one.</param>
    /// <param name="error">Why the message is not a frame (a protocol violation: close with 4002 and this reason).</param>
    public static bool TryDecode(Message message, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProtocolFrame? frame,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        frame = null;
        var data = message.Data;
        var end = data.Span.IndexOf(LineFeed);
        if (end < 0)
        {
            error = "no line feed after the header";
            return false;
        }

        try
        {
            frame = ReadHeader(data.Span[..end], out error);
        }
        catch (JsonException exception)
        {
            error = $"the header is not JSON: {exception.Message}";
            return false;
        }
        catch (InvalidOperationException exception) when (exception.InnerException is DecoderFallbackException)
        {
            error = "the header is not UTF-8";   // possible in a binary message
            return false;
        }

        if (frame is null)
        {
            error ??= "the header is not a frame";
            return false;
        }

        var payload = data[(end + 1)..];
        if (HasPayload(frame.Kind))
        {
            frame = frame with { Payload = message.Type == MessageType.Binary ? Message.Binary(payload) : Message.Text(payload) };
        }
        else if (!payload.IsEmpty)
        {
            error = $"a '{WireName(frame.Kind)}' frame carries no payload";
            frame = null;
            return false;
        }

        error = Check(frame) is { } problem ? $"a '{WireName(frame.Kind)}' frame {problem}" : null;
        if (error is not null)
        {
            frame = null;
            return false;
        }

        return true;
    }

    /// <summary>The kind's wire name (<c>t</c>).</summary>
    public static string WireName(FrameKind kind) => Array.Find(s_kinds, k => k.Kind == kind).Wire;

    private static ProtocolFrame? ReadHeader(ReadOnlySpan<byte> header, out string? error)
    {
        var reader = new Utf8JsonReader(header);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = "the header is not a JSON object";
            return null;
        }

        string? kind = null, topic = null, position = null, current = null, name = null, code = null, reason = null;
        long id = 0, recovered = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString()!;
            reader.Read();
            switch (property)
            {
                case "t": kind = String(ref reader, property); break;
                case "id": id = Integer(ref reader, property); break;
                case "topic": topic = String(ref reader, property); break;
                case "pos": position = String(ref reader, property); break;
                case "cur": current = String(ref reader, property); break;
                case "recovered": recovered = Integer(ref reader, property); break;
                case "name": name = String(ref reader, property); break;
                case "code": code = String(ref reader, property); break;
                case "reason": reason = String(ref reader, property); break;
                default: reader.Skip(); break;   // a later minor version's field
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            error = "the header is not one JSON object";
            return null;
        }

        var known = Array.FindIndex(s_kinds, k => k.Wire == kind);
        if (known < 0)
        {
            error = kind is null ? "the header has no 't'" : $"unknown frame kind '{kind}'";
            return null;
        }

        if (!TryPosition(position, out var at) || !TryPosition(current, out var now))
        {
            error = $"a position is not OFFSET@EPOCH ('{(TryPosition(position, out _) ? current : position)}')";
            return null;
        }

        error = null;
        return new ProtocolFrame(s_kinds[known].Kind)
        {
            Id = id, Topic = topic, Position = at, Current = now, Recovered = recovered, Name = name, Code = code, Reason = reason,
        };
    }

    private static string String(ref Utf8JsonReader reader, string property) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"'{property}' must be a string.");

    private static long Integer(ref Utf8JsonReader reader, string property) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)
            ? value
            : throw new JsonException($"'{property}' must be an integer.");

    private static bool TryPosition(string? text, out TopicPosition? position)
    {
        position = null;
        if (text is null)
        {
            return true;
        }

        if (!TopicPosition.TryParse(text, out var parsed))
        {
            return false;
        }

        position = parsed;
        return true;
    }

    private static void WriteIfSet(Utf8JsonWriter json, ReadOnlySpan<byte> property, string? value)
    {
        if (value is not null)
        {
            json.WriteString(property, value);
        }
    }

    private static bool HasPayload(FrameKind kind) =>
        kind is FrameKind.Publish or FrameKind.Request or FrameKind.Reply or FrameKind.Publication;

    /// <summary>What the frame lacks for its kind ("needs …"), or null when it is whole.</summary>
    private static string? Check(ProtocolFrame frame)
    {
        var kind = frame.Kind;
        if (!HasPayload(kind) && frame.Payload is not null)
        {
            return "carries no payload";
        }

        var needsId = kind is not (FrameKind.Publication or FrameKind.Gap);
        if (needsId != (frame.Id > 0))
        {
            return needsId ? "needs an 'id' of 1 or more" : "has no 'id'";
        }

        var needsTopic = kind is not (FrameKind.Request or FrameKind.Reply or FrameKind.Error);
        if (needsTopic && (frame.Topic is not { Length: > 0 } topic || Encoding.UTF8.GetByteCount(topic) > MaxTopicBytes))
        {
            return $"needs a 'topic' of 1 to {MaxTopicBytes} UTF-8 bytes";
        }

        if ((kind is FrameKind.Subscribed or FrameKind.PublishAck or FrameKind.Publication or FrameKind.Gap) && frame.Position is null)
        {
            return "needs a 'pos'";
        }

        if (kind == FrameKind.Gap && (frame.Current is null || frame.Reason is null))
        {
            return "needs a 'cur' and a 'reason'";
        }

        if (kind == FrameKind.Error && frame.Code is not { Length: > 0 })
        {
            return "needs a 'code'";
        }

        return frame.Recovered < 0 ? "needs a 'recovered' of 0 or more" : null;
    }
}
