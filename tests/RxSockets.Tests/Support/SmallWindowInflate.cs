using RxSockets.Protocol.Deflate;

namespace RxSockets.Tests.Support;

/// <summary>
/// A decoder that really has only 2^N bytes of history, to prove a compressor stays within an agreed window. zlib's
/// inflate may copy from anything it wrote in the same call, so it is given one byte of output per call: every
/// back-reference then has to come from its window, and one farther back fails ("invalid distance too far back").
/// </summary>
internal static unsafe class SmallWindowInflate
{
    private static readonly byte[] s_tail = [0x00, 0x00, 0xff, 0xff];

    /// <summary>Inflates permessage-deflate payloads (without their <c>00 00 ff ff</c>) in order, one context for
    /// all of them, as a receiver with context takeover does.</summary>
    /// <exception cref="InvalidDataException">The data refers farther back than the window, or is not DEFLATE.</exception>
    public static List<byte[]> Messages(IEnumerable<byte[]> payloads, int windowBits)
    {
        using var stream = ZStreamHandle.CreateInflater(windowBits);
        var result = new List<byte[]>();
        foreach (var payload in payloads)
        {
            var output = new List<byte>();
            Run(stream, payload, output);
            Run(stream, s_tail, output);
            result.Add([.. output]);
        }

        return result;
    }

    private static void Run(ZStreamHandle stream, byte[] input, List<byte> output)
    {
        var z = stream.Stream;
        byte one;
        fixed (byte* next = input)
        {
            z->NextIn = next;
            z->AvailIn = (uint)input.Length;
            for (var calls = 0; calls < 100 * (input.Length + 1000); calls++)
            {
                z->NextOut = &one;
                z->AvailOut = 1;
                var code = ZLibNative.Inflate(z, ZLibNative.NoFlush);
                if (code is not (ZLibNative.Ok or ZLibNative.BufError or ZLibNative.StreamEnd))
                {
                    throw new InvalidDataException(ZLibNative.Describe(z, code));
                }

                if (z->AvailOut == 0)
                {
                    output.Add(one);
                }
                else if (z->AvailIn == 0 || code != ZLibNative.Ok)
                {
                    return;
                }
            }
        }

        throw new InvalidOperationException("The inflater made no progress.");
    }
}
