using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RxSockets.Tests.Conformance;

namespace RxSockets.Tests.Fuzz;

/// <summary>
/// FsCheck generators of frame streams a peer might send: valid conversations (text and binary messages in up to four
/// fragments with pings and pongs between them, now and then a close frame at the end), then damaged by bit flips,
/// overwritten bytes, truncation, garbage, deletions, duplications and splices with a second stream, and cut into
/// chunks of random sizes.
/// </summary>
internal static class FrameStreams
{
    private static readonly string[] s_textPieces = ["a", "Hello", " ", "é", "€", "κόσμε", "😀", "\u0000", "\uFFFD", "\uFFFF"];

    private static readonly Gen<byte> s_byte = Gen.Choose(0, 255).Select(b => (byte)b);

    /// <summary>Mutated streams towards either role.</summary>
    public static Gen<FuzzCase> Cases() =>
        from target in Gen.Elements(ConnectionRole.Server, ConnectionRole.Client)
        from stream in Valid(target)
        from other in Valid(target)
        from mutations in Gen.Frequency((1, Gen.Constant(Array.Empty<Mutation>())), (4, Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Mutations(), n))))
        from chunks in Chunks()
        select Build(target, stream, other, mutations, chunks);

    private static FuzzCase Build(ConnectionRole target, (byte[] Bytes, string Recipe) stream, (byte[] Bytes, string Recipe) other, Mutation[] mutations, int[] chunks)
    {
        var bytes = mutations.Aggregate(stream.Bytes, (current, mutation) => mutation.Apply(current, other.Bytes));
        var recipe = mutations.Length == 0 ? stream.Recipe : $"{stream.Recipe} | {string.Join(" ", mutations.Select(m => m.ToString()))}";
        if (mutations.Any(m => m.Kind == MutationKind.Splice))
        {
            recipe += $" | other: {other.Recipe}";
        }

        return new FuzzCase(target, bytes, chunks, recipe);
    }

    /// <summary>A valid conversation towards <paramref name="target"/>, with a text recipe.</summary>
    public static Gen<(byte[] Bytes, string Recipe)> Valid(ConnectionRole target) =>
        from count in Gen.Choose(0, 6)
        from elements in Gen.ArrayOf(Element(target), count)
        from close in Gen.Frequency((2, Gen.Constant<(byte[], string)?>(null)), (1, Close(target).Select(c => ((byte[], string)?)c)))
        let all = close is { } c ? [.. elements, c] : elements
        select (all.SelectMany(e => e.Bytes).ToArray(), string.Join(", ", all.Select(e => e.Recipe)));

    private static Gen<(byte[] Bytes, string Recipe)> Element(ConnectionRole target) =>
        Gen.Frequency(
            (5, Message(target)),
            (2, Control(target, 0x9, "ping")),
            (1, Control(target, 0xA, "pong")));

    private static Gen<(byte[] Bytes, string Recipe)> Control(ConnectionRole target, int opcode, string name) =>
        from length in Gen.Frequency((4, Gen.Choose(0, 8)), (1, Gen.Choose(100, 125)))
        from payload in Gen.ArrayOf(s_byte, length)
        select (WireFrame.To(target, opcode, payload), $"{name}({length})");

    private static Gen<(byte[] Bytes, string Recipe)> Close(ConnectionRole target) =>
        from code in Gen.Elements(1000, 1001, 1003, 1008, 1011, 3000, 4999)
        from reason in Gen.Elements("", "bye", "κόσμε")
        select (WireFrame.To(target, 0x8, WireFrame.CloseBody(code, Encoding.UTF8.GetBytes(reason))), $"close({code})");

    private static Gen<(byte[] Bytes, string Recipe)> Message(ConnectionRole target) =>
        from text in Gen.Elements(true, false)
        from payload in text ? Text() : Binary()
        from fragments in Gen.Choose(1, 4)
        from cuts in Gen.ArrayOf(Gen.Choose(0, payload.Length), fragments - 1)
        from pingBetween in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true))), fragments)
        select (Fragment(target, text, payload, cuts, pingBetween), $"{(text ? "text" : "binary")}({payload.Length}/{fragments})");

    private static byte[] Fragment(ConnectionRole target, bool text, byte[] payload, int[] cuts, bool[] pingBetween)
    {
        var bounds = cuts.Order().Prepend(0).Append(payload.Length).ToArray();
        var frames = new List<byte>();
        for (var i = 0; i + 1 < bounds.Length; i++)
        {
            var opcode = i == 0 ? (text ? 0x1 : 0x2) : 0x0;
            frames.AddRange(WireFrame.To(target, opcode, payload[bounds[i]..bounds[i + 1]], fin: i + 2 == bounds.Length));
            if (pingBetween[i] && i + 2 < bounds.Length)
            {
                frames.AddRange(WireFrame.To(target, 0x9, [(byte)i]));
            }
        }

        return [.. frames];
    }

    private static Gen<byte[]> Text() =>
        from count in Gen.Choose(0, 40)
        from pieces in Gen.ArrayOf(Gen.Elements(s_textPieces), count)
        select Encoding.UTF8.GetBytes(string.Concat(pieces));

    private static Gen<byte[]> Binary() =>
        from length in Gen.Frequency((6, Gen.Choose(0, 64)), (2, Gen.Choose(120, 300)), (2, Gen.Choose(60_000, 70_000)))
        from seed in Gen.Choose(0, int.MaxValue)
        select Pattern(length, seed);

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Gen<Mutation> Mutations() =>
        from kind in Gen.Elements(Enum.GetValues<MutationKind>())
        from position in Gen.Choose(0, int.MaxValue)
        from value in Gen.Choose(0, 255)
        from garbageLength in Gen.Choose(1, 16)
        from garbage in kind == MutationKind.InsertGarbage ? Gen.ArrayOf(s_byte, garbageLength) : Gen.Constant(Array.Empty<byte>())
        select new Mutation(kind, position, value, garbage);

    private static Gen<int[]> Chunks() =>
        Gen.Frequency(
            (1, Gen.Constant(Array.Empty<int>())),                                      // everything at once
            (1, Gen.Constant(Enumerable.Repeat(1, 512).ToArray())),                     // one byte at a time, then the rest
            (4, Gen.Choose(1, 20).SelectMany(n => Gen.ArrayOf(Gen.Frequency((3, Gen.Choose(1, 16)), (1, Gen.Choose(17, 4096))), n))));
}
