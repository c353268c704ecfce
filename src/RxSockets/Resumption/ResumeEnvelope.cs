using System.Buffers.Text;
using System.Globalization;

namespace RxSockets.Resumption;

/// <summary>
/// Encodes and decodes the messages of the resume protocol (<see cref="ResumeProtocol.Name"/>). Every message starts
/// with an ASCII header, so a text message stays valid UTF-8 and keeps its type: a data message travels in a frame of
/// the user's type as <c>d&lt;seq&gt;:</c> followed by the user's payload; the control messages are short text
/// messages (see <see cref="ResumeFrameKind"/>). Sans-I/O and stateless: thread-safe.
/// </summary>
internal static class ResumeEnvelope
{
    private const int MaxSessionIdLength = 64;

    /// <summary>Wraps a user message as data number <paramref name="sequence"/>.</summary>
    public static Message Data(long sequence, in Message user)
    {
        Span<byte> header = stackalloc byte[24];
        header[0] = (byte)'d';
        Utf8Formatter.TryFormat(sequence, header[1..], out var digits);
        header[1 + digits] = (byte)':';
        var headerLength = digits + 2;
        var wire = new byte[headerLength + user.Data.Length];
        header[..headerLength].CopyTo(wire);
        user.Data.Span.CopyTo(wire.AsSpan(headerLength));
        var message = Message.Create(user.Type, wire);
        return user.SkipCompression ? message.WithoutCompression() : message;   // the envelope keeps the sending hint
    }

    /// <summary>A cumulative acknowledgement of every message up to <paramref name="sequence"/>.</summary>
    public static Message Ack(long sequence) => Message.Create(MessageType.Text, Ascii($"a{sequence}"));

    /// <summary>The client's opening: the session to resume (empty for a new one), the last number it received and
    /// the first number it can still replay.</summary>
    public static Message Hello(string sessionId, long lastReceived, long firstRetained) =>
        Message.Create(MessageType.Text, Ascii($"h{sessionId}:{lastReceived}:{firstRetained}"));

    /// <summary>The server's answer: the session, the last number it received, and whether the session continues.</summary>
    public static Message Welcome(string sessionId, long lastReceived, bool resumed) =>
        Message.Create(MessageType.Text, Ascii($"w{sessionId}:{lastReceived}:{(resumed ? 'r' : 'f')}"));

    /// <summary>v2: the server's answer to a hello that names a session the server ended, with the close code it ended
    /// with; the close that follows carries the code again with its reason.</summary>
    public static Message Ended(string sessionId, long lastReceived, CloseCode code) =>
        Message.Create(MessageType.Text, Ascii($"w{sessionId}:{lastReceived}:e{(int)code}"));

    /// <summary>Decodes a message; false when it is not a well-formed message of the protocol.</summary>
    public static bool TryDecode(in Message wire, out ResumeFrame frame)
    {
        frame = default;
        var span = wire.Data.Span;
        if (span.IsEmpty)
        {
            return false;
        }

        var body = span[1..];
        switch (span[0])
        {
            case (byte)'d':
                var colon = body.IndexOf((byte)':');
                if (colon < 1 || !TryParseNumber(body[..colon], out var sequence))
                {
                    return false;
                }

                frame = new ResumeFrame(ResumeFrameKind.Data, sequence, Message.Create(wire.Type, wire.Data[(colon + 2)..]));
                return true;
            case (byte)'a' when wire.IsText:
                if (!TryParseNumber(body, out var acked))
                {
                    return false;
                }

                frame = new ResumeFrame(ResumeFrameKind.Ack, acked);
                return true;
            case (byte)'h' when wire.IsText:
                return TryDecodeOpening(ResumeFrameKind.Hello, body, out frame);
            case (byte)'w' when wire.IsText:
                return TryDecodeOpening(ResumeFrameKind.Welcome, body, out frame);
            default:
                return false;
        }
    }

    /// <summary>Decodes <c>session:number:third</c>, where the third field is a number (hello) or r, f or
    /// e&lt;code&gt; (welcome).</summary>
    private static bool TryDecodeOpening(ResumeFrameKind kind, ReadOnlySpan<byte> body, out ResumeFrame frame)
    {
        frame = default;
        var first = body.IndexOf((byte)':');
        if (first < 0 || first > MaxSessionIdLength)
        {
            return false;
        }

        var session = body[..first];
        foreach (var b in session)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b != '-' && b != '_')
            {
                return false;
            }
        }

        var rest = body[(first + 1)..];
        var second = rest.IndexOf((byte)':');
        if (second < 1 || !TryParseNumber(rest[..second], out var lastReceived))
        {
            return false;
        }

        var third = rest[(second + 1)..];
        var id = System.Text.Encoding.ASCII.GetString(session);
        if (kind == ResumeFrameKind.Hello)
        {
            if (!TryParseNumber(third, out var firstRetained) || firstRetained < 1)
            {
                return false;
            }

            frame = new ResumeFrame(kind, lastReceived, SessionId: id, FirstRetained: firstRetained);
            return true;
        }

        if (id.Length == 0 || third.IsEmpty)
        {
            return false;
        }

        if (third[0] == 'e')
        {
            if (!TryParseNumber(third[1..], out var code) || !Protocol.Frames.ClosePayload.IsValidOnWire((int)Math.Min(code, int.MaxValue)))
            {
                return false;
            }

            frame = new ResumeFrame(kind, lastReceived, SessionId: id, EndCode: (CloseCode)code);
            return true;
        }

        if (third.Length != 1 || (third[0] != 'r' && third[0] != 'f'))
        {
            return false;
        }

        frame = new ResumeFrame(kind, lastReceived, SessionId: id, Resumed: third[0] == 'r');
        return true;
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return digits.Length is > 0 and <= 18 && Utf8Parser.TryParse(digits, out value, out var consumed) && consumed == digits.Length;
    }

    private static byte[] Ascii(FormattableString text) => System.Text.Encoding.ASCII.GetBytes(text.ToString(CultureInfo.InvariantCulture));
}
