using System.Buffers.Binary;
using System.Text;

namespace RxSockets.Protocol.Frames;

/// <summary>The body of a close frame (RFC 6455 §5.5.1, §7.4): a 2-byte code and a UTF-8 reason.</summary>
internal static class ClosePayload
{
    /// <summary>The longest reason that fits a control frame: 125 minus the 2-byte code.</summary>
    public const int MaxReasonBytes = 123;

    private static readonly UTF8Encoding s_strictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Whether a peer may send <paramref name="code"/> on the wire (RFC 6455 §7.4.1, §7.4.2).</summary>
    public static bool IsValidOnWire(int code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    /// <summary>Parses a received close body.</summary>
    /// <returns>The status, or null for an empty body (reported as 1005 by the caller).</returns>
    /// <exception cref="ProtocolException">1002 for a 1-byte body or an invalid code; 1007 for a reason that is not UTF-8.</exception>
    public static CloseStatus? Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        if (body.Length == 1)
        {
            throw new ProtocolException(CloseCode.ProtocolError, "A close frame carried a 1-byte body.");
        }

        var code = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (!IsValidOnWire(code))
        {
            throw new ProtocolException(CloseCode.ProtocolError, $"A close frame carried the invalid code {code}.");
        }

        try
        {
            return new CloseStatus((CloseCode)code, s_strictUtf8.GetString(body[2..]));
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolException(CloseCode.InvalidPayloadData, "A close reason was not valid UTF-8.");
        }
    }

    /// <summary>Writes <paramref name="status"/> into <paramref name="destination"/> (at least 125 bytes).</summary>
    /// <returns>The number of bytes written.</returns>
    public static int Write(Span<byte> destination, CloseStatus status)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)status.Code);
        return 2 + Encoding.UTF8.GetBytes(status.Reason, destination[2..]);
    }

    /// <summary>Checks a status the application wants to send.</summary>
    /// <exception cref="ArgumentException">The code may not be sent, or the reason is longer than 123 UTF-8 bytes or
    /// holds an unpaired surrogate.</exception>
    public static void ValidateOutgoing(CloseStatus status)
    {
        if (!IsValidOnWire((int)status.Code))
        {
            throw new ArgumentException($"Close code {(int)status.Code} may not be sent: use 1000–1003, 1007–1014 or 3000–4999.", nameof(status));
        }

        ArgumentNullException.ThrowIfNull(status.Reason, nameof(status));
        int byteCount;
        try
        {
            byteCount = s_strictUtf8.GetByteCount(status.Reason);
        }
        catch (EncoderFallbackException error)
        {
            // Encoding.UTF8 would silently send U+FFFD in place of the unpaired surrogate.
            throw new ArgumentException("A close reason holds an unpaired surrogate and cannot be sent as UTF-8.", nameof(status), error);
        }

        if (byteCount > MaxReasonBytes)
        {
            throw new ArgumentException($"A close reason may hold at most {MaxReasonBytes} UTF-8 bytes.", nameof(status));
        }
    }

    /// <summary>Cuts <paramref name="reason"/> to the longest prefix that fits a close frame (123 UTF-8 bytes).</summary>
    public static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxReasonBytes)
        {
            return reason;
        }

        var cut = Math.Min(reason.Length, MaxReasonBytes);
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, cut)) > MaxReasonBytes)
        {
            cut--;
        }

        return reason[..cut];
    }
}
