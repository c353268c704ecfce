using System.Buffers;
using RxSockets.Protocol;

namespace RxSockets.Tests.Support;

/// <summary>Drives <see cref="WebSocketProtocol.Read"/> the way a read loop does and records what it reports.</summary>
internal static class ProtocolFeed
{
    /// <summary>Reads events until the protocol needs more data; returns them described as text.</summary>
    /// <param name="protocol">The protocol under test.</param>
    /// <param name="buffer">The bytes; on return, what the protocol left unconsumed.</param>
    /// <param name="messages">Receives every completed message, in order.</param>
    public static List<string> ReadAll(WebSocketProtocol protocol, ref ReadOnlySequence<byte> buffer, List<Message>? messages = null)
    {
        var events = new List<string>();
        while (true)
        {
            var kind = protocol.Read(ref buffer, out var message, out var control);
            switch (kind)
            {
                case ProtocolEvent.NeedMoreData:
                    return events;
                case ProtocolEvent.Message:
                    messages?.Add(message);
                    events.Add($"Message {message.Type} {Convert.ToHexString(message.Data.Span)}");
                    break;
                default:
                    events.Add($"{kind} {Convert.ToHexString(control)}");
                    break;
            }
        }
    }

    /// <summary>Offers all of <paramref name="data"/> at once.</summary>
    public static List<string> AllAtOnce(WebSocketProtocol protocol, byte[] data, List<Message>? messages = null)
    {
        var buffer = new ReadOnlySequence<byte>(data);
        var events = ReadAll(protocol, ref buffer, messages);
        Assert.That(buffer.Length, Is.Zero, "bytes left unconsumed");
        return events;
    }

    /// <summary>Offers <paramref name="data"/> in chunks of <paramref name="chunkSize"/> bytes, offering the unconsumed
    /// rest again with each new chunk, as a read loop over a pipe does.</summary>
    public static List<string> InChunks(WebSocketProtocol protocol, byte[] data, int chunkSize, List<Message>? messages = null)
    {
        var events = new List<string>();
        var pending = Array.Empty<byte>();
        for (var start = 0; start < data.Length; start += chunkSize)
        {
            var chunk = data.AsSpan(start, Math.Min(chunkSize, data.Length - start));
            var buffer = new ReadOnlySequence<byte>([.. pending, .. chunk]);
            events.AddRange(ReadAll(protocol, ref buffer, messages));
            pending = buffer.ToArray();
        }

        Assert.That(pending, Is.Empty, "bytes left unconsumed");
        return events;
    }
}
