using System.Buffers;
using RxSockets.Protocol;
using RxSockets.Protocol.Connection;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Protocol.Connection;

/// <summary>
/// Drives a <see cref="ConnectionProtocol"/> as the I/O driver does, with no I/O: bytes in through <see cref="Feed"/>,
/// the frames the protocol writes out through <see cref="TakeOutput"/>. What it does with each event is only what the
/// driver does (deliver, answer a ping when the protocol says so, answer a close, fail on a protocol error, write our
/// close when the protocol says it goes): every decision asserted is the protocol's.
/// </summary>
internal sealed class ProtocolHarness(ConnectionProtocol protocol, bool autoPong = true)
{
    private readonly ArrayBufferWriter<byte> _output = new();
    private byte[] _pending = [];

    public ConnectionProtocol Protocol => protocol;

    public static ProtocolHarness Server(long maxMessageSize = 1 << 20, int maxFragments = 1024, int fragmentSize = 0, bool autoPong = true) =>
        new(new ConnectionProtocol(ConnectionRole.Server, maxMessageSize, maxFragments, validateUtf8: true, fragmentSize), autoPong);

    public static ProtocolHarness Client(long maxMessageSize = 1 << 20, int maxFragments = 1024, int fragmentSize = 0) =>
        new(new ConnectionProtocol(ConnectionRole.Client, maxMessageSize, maxFragments, validateUtf8: true, fragmentSize));

    /// <summary>Hands the protocol <paramref name="bytes"/> (after whatever it left unconsumed before), acting on each
    /// event; then lets the writer write our close frame if it is due (no data is queued here).</summary>
    /// <returns>The events, as text: "Message Text hello", "Ping 6869", "Close 1001 bye", "Failed 1002".</returns>
    public List<string> Feed(byte[] bytes)
    {
        var events = new List<string>();
        var buffer = new ReadOnlySequence<byte>([.. _pending, .. bytes]);
        try
        {
            while (true)
            {
                var kind = protocol.Receive(ref buffer, out var message, out var control);
                if (kind == ProtocolEvent.NeedMoreData)
                {
                    break;
                }

                switch (kind)
                {
                    case ProtocolEvent.Message:
                        events.Add($"Message {message.Type} {(message.Type == MessageType.Text ? message.GetText() : Convert.ToHexString(message.Data.Span))}");
                        break;
                    case ProtocolEvent.Ping:
                        events.Add($"Ping {Convert.ToHexString(control)}");
                        if (protocol.ShouldAutoPong(autoPong))
                        {
                            protocol.WriteControl(_output, Opcode.Pong, control);
                        }

                        break;
                    case ProtocolEvent.Pong:
                        events.Add($"Pong {Convert.ToHexString(control)}");
                        break;
                    case ProtocolEvent.Close:
                        events.Add($"Close {(int)protocol.ReceivedClose!.Value.Code} {protocol.ReceivedClose.Value.Reason}".TrimEnd());
                        protocol.QueueCloseEcho();
                        break;
                }
            }
        }
        catch (ProtocolException error)
        {
            events.Add($"Failed {(int)error.Code}");
            protocol.QueueFailure(error);
            buffer = default;
        }

        _pending = buffer.ToArray();
        WriteCloseIfDue();
        return events;
    }

    /// <summary>What the writer would do next: our close frame, when the protocol says it goes.</summary>
    public void WriteCloseIfDue()
    {
        if (protocol.ShouldWriteClose(dataDrained: true))
        {
            protocol.WriteClose(_output);
        }
    }

    /// <summary>The bytes written since the last call.</summary>
    public byte[] TakeOutput()
    {
        var bytes = _output.WrittenSpan.ToArray();
        _output.ResetWrittenCount();
        return bytes;
    }

    /// <summary>Writes a data message as the writer pass does.</summary>
    public void Send(Message message) => protocol.WriteMessage(_output, message);

    /// <summary>A client's frame unmasked with the key it carries (after the 2-byte header and no extended length):
    /// the opcode byte, then the payload.</summary>
    public static (byte First, bool Masked, byte[] Payload) Unmask(byte[] frame)
    {
        var masked = (frame[1] & 0x80) != 0;
        var length = frame[1] & 0x7F;
        if (!masked)
        {
            return (frame[0], false, frame[2..(2 + length)]);
        }

        var key = frame[2..6];
        var payload = frame[6..(6 + length)];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] ^= key[i % 4];
        }

        return (frame[0], true, payload);
    }
}
