using System.Buffers.Binary;
using System.Text;

namespace RxSockets.Examples;

/// <summary>One trade of <see cref="TradingFeedExample"/>, sent as a compact binary message: one byte of symbol length,
/// the ASCII symbol, then the price and the volume as little-endian IEEE 754 doubles.</summary>
/// <param name="Symbol">The instrument (ASCII, at most 255 characters).</param>
/// <param name="Price">The trade price.</param>
/// <param name="Volume">How many shares changed hands.</param>
public readonly record struct BinaryTick(string Symbol, double Price, double Volume)
{
    /// <summary>Encodes the tick as a binary message.</summary>
    public Message ToMessage()
    {
        var length = Encoding.ASCII.GetByteCount(Symbol);
        var bytes = new byte[1 + length + 16];
        bytes[0] = checked((byte)length);
        Encoding.ASCII.GetBytes(Symbol, bytes.AsSpan(1, length));
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(1 + length), Price);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(9 + length), Volume);
        return Message.Binary(bytes);
    }

    /// <summary>Decodes a tick written by <see cref="ToMessage"/>.</summary>
    /// <param name="message">A binary message.</param>
    /// <exception cref="FormatException">The message is not a tick.</exception>
    public static BinaryTick Parse(Message message)
    {
        var bytes = message.Data.Span;
        if (!message.IsBinary || bytes.Length < 1 || bytes.Length != 1 + bytes[0] + 16)
        {
            throw new FormatException($"Not a tick: {message}.");
        }

        var length = bytes[0];
        return new BinaryTick(Encoding.ASCII.GetString(bytes.Slice(1, length)),
            BinaryPrimitives.ReadDoubleLittleEndian(bytes[(1 + length)..]),
            BinaryPrimitives.ReadDoubleLittleEndian(bytes[(9 + length)..]));
    }
}
