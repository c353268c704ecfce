using System.Buffers;
using System.Text.Unicode;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Fuzz;

/// <summary>
/// Feeds a <see cref="FuzzCase"/> to the sans-I/O <see cref="WebSocketProtocol"/> the way the read loop does (each
/// chunk appended to the unconsumed rest, as a two-segment buffer), stopping at the first close frame or protocol
/// error, and checks on the way that it always makes progress and never holds back more than one control frame.
/// </summary>
internal sealed class ProtocolRun
{
    /// <summary>The most the parser may leave unconsumed: a whole masked control frame less one byte. Data payloads
    /// stream through, so the transport never has to buffer more than this (bounded memory).</summary>
    public const int MaxUnconsumed = 2 + 4 + FrameHeader.MaxControlPayloadLength;

    private readonly long _maxMessageSize;

    private ProtocolRun(long maxMessageSize) => _maxMessageSize = maxMessageSize;

    public List<Message> Messages { get; } = [];

    public List<byte[]> Pings { get; } = [];

    /// <summary>The code of the protocol error that ended the run, if one did.</summary>
    public CloseCode? Error { get; private set; }

    /// <summary>The body of the close frame that ended the run, if one did.</summary>
    public byte[]? CloseBody { get; private set; }

    /// <summary>Runs the case with the engine's limits; throws (failing the property) on anything but a protocol error.</summary>
    public static ProtocolRun Of(ConnectionRole role, IEnumerable<byte[]> chunks, long maxMessageSize, int maxFragments)
    {
        var run = new ProtocolRun(maxMessageSize);
        var protocol = new WebSocketProtocol(role, maxMessageSize, maxFragments);
        var pending = Array.Empty<byte>();
        try
        {
            foreach (var chunk in chunks)
            {
                byte[] all = [.. pending, .. chunk];
                var buffer = Segments.Split(all, pending.Length);
                if (run.ReadAll(protocol, ref buffer))
                {
                    return run;
                }

                pending = buffer.ToArray();
                if (pending.Length > MaxUnconsumed)
                {
                    throw new InvalidOperationException($"The parser left {pending.Length} bytes unconsumed.");
                }
            }
        }
        catch (ProtocolException error)
        {
            run.Error = error.Code;
        }

        return run;
    }

    /// <returns>True at a close frame.</returns>
    private bool ReadAll(WebSocketProtocol protocol, ref ReadOnlySequence<byte> buffer)
    {
        // Every event consumes at least a 2-byte header, so more reads than this means the parser is stuck.
        var budget = buffer.Length + 2;
        while (budget-- > 0)
        {
            var kind = protocol.Read(ref buffer, out var message, out var control);
            switch (kind)
            {
                case ProtocolEvent.NeedMoreData:
                    return false;
                case ProtocolEvent.Message:
                    Check(message);
                    Messages.Add(message);
                    break;
                case ProtocolEvent.Ping:
                    Pings.Add(control);
                    break;
                case ProtocolEvent.Close:
                    CloseBody = control;
                    _ = ClosePayload.Parse(control);   // may throw the protocol error the session would
                    return true;
            }
        }

        throw new InvalidOperationException("The parser kept reporting events without consuming bytes.");
    }

    private void Check(Message message)
    {
        if (message.Data.Length > _maxMessageSize)
        {
            throw new InvalidOperationException($"A message of {message.Data.Length} bytes passed the limit of {_maxMessageSize}.");
        }

        if (message.IsText && !Utf8.IsValid(message.Data.Span))
        {
            throw new InvalidOperationException("A text message that is not valid UTF-8 was delivered.");
        }
    }
}
