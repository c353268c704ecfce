using System.Text.Unicode;

namespace RxSockets.Protocol;

/// <summary>
/// Validates UTF-8 incrementally across fragments and fails on the first byte that cannot start or continue a
/// well-formed sequence (Unicode Table 3-7), so an invalid text message is rejected before it is complete.
/// </summary>
internal struct Utf8Validator
{
    private int _needed;   // continuation bytes still expected for the current sequence
    private byte _lower;   // bounds for the next continuation byte: narrower than 80..BF after E0, ED, F0 and F4
    private byte _upper;

    /// <summary>True when no sequence is left open: the text seen so far is complete UTF-8.</summary>
    public readonly bool IsComplete => _needed == 0;

    /// <summary>Feeds the next bytes of the message.</summary>
    /// <returns>False as soon as the bytes cannot be part of valid UTF-8.</returns>
    public bool Append(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length && _needed > 0)
        {
            if (!Continue(bytes[i++]))
            {
                return false;
            }
        }

        if (i == bytes.Length)
        {
            return true;
        }

        // Bulk-validate everything up to the start of a possibly incomplete final sequence, then walk the tail.
        var rest = bytes[i..];
        var cut = CompleteLength(rest);
        if (!Utf8.IsValid(rest[..cut]))
        {
            return false;
        }

        foreach (var b in rest[cut..])
        {
            if (!(_needed > 0 ? Continue(b) : Start(b)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Resets for the next message.</summary>
    public void Reset() => this = default;

    /// <summary>Checks a whole text message at once (one inflated, or lent from the receive buffer).</summary>
    /// <exception cref="ProtocolException">1007: not valid UTF-8.</exception>
    public static void CheckWhole(ReadOnlySpan<byte> text)
    {
        if (!Utf8.IsValid(text))
        {
            throw Invalid();
        }
    }

    /// <summary>The failure of a text message that is not valid UTF-8 (RFC 6455 §8.1: close with 1007).</summary>
    public static ProtocolException Invalid() => new(CloseCode.InvalidPayloadData, "A text message was not valid UTF-8.");

    private static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        // The last lead byte within three bytes of the end may begin an unfinished sequence: stop before it.
        for (var back = 1; back <= Math.Min(4, bytes.Length); back++)
        {
            var b = bytes[^back];
            if (b < 0x80)
            {
                return bytes.Length - back + 1;
            }

            if (b >= 0xC0)
            {
                return bytes.Length - back;
            }
        }

        return Math.Max(0, bytes.Length - 4);
    }

    private bool Start(byte b)
    {
        if (b < 0x80)
        {
            return true;
        }

        (_needed, _lower, _upper) = b switch
        {
            >= 0xC2 and <= 0xDF => (1, (byte)0x80, (byte)0xBF),
            0xE0 => (2, (byte)0xA0, (byte)0xBF),
            (>= 0xE1 and <= 0xEC) or 0xEE or 0xEF => (2, (byte)0x80, (byte)0xBF),
            0xED => (2, (byte)0x80, (byte)0x9F),
            0xF0 => (3, (byte)0x90, (byte)0xBF),
            >= 0xF1 and <= 0xF3 => (3, (byte)0x80, (byte)0xBF),
            0xF4 => (3, (byte)0x80, (byte)0x8F),
            _ => (-1, (byte)0, (byte)0),
        };
        return _needed > 0;
    }

    private bool Continue(byte b)
    {
        if (b < _lower || b > _upper)
        {
            return false;
        }

        _needed--;
        _lower = 0x80;
        _upper = 0xBF;
        return true;
    }
}
