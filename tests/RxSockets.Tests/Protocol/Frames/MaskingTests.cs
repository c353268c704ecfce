using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol.Frames;

public class MaskingTests
{
    private static readonly byte[] s_keyBytes = [0x37, 0xfa, 0x21, 0x3d];
    private const int Key = 0x3d21fa37;

    [Test]
    public void Apply_RfcHello_MatchesRfcMaskedBytes()
    {
        var data = "Hello"u8.ToArray();

        Masking.Apply(data, Key, 0);

        Assert.That(data, Is.EqualTo(Hex("7f 9f 4d 51 58")));
    }

    [Test]
    public void Apply_EveryLengthAndOffset_MatchesNaiveReference()
    {
        var random = new Random(6455);
        for (var length = 0; length <= 100; length++)
        {
            for (var offset = 0; offset < 4; offset++)
            {
                var data = new byte[length];
                random.NextBytes(data);
                var expected = Reference(data, s_keyBytes, offset);

                var next = Masking.Apply(data, Key, offset);

                Assert.That(data, Is.EqualTo(expected), $"length {length}, offset {offset}");
                Assert.That(next, Is.EqualTo((offset + length) & 3), $"length {length}, offset {offset}");
            }
        }
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Apply_LargeBufferAtOffset_MatchesNaiveReference(int offset)
    {
        var data = new byte[1 << 20 | 13];
        new Random(offset).NextBytes(data);
        var expected = Reference(data, s_keyBytes, offset);

        Masking.Apply(data, Key, offset);

        Assert.That(data, Is.EqualTo(expected));
    }

    [Test]
    public void Apply_UnalignedSliceOfLargeBuffer_MatchesNaiveReference()
    {
        var backing = new byte[10_000];
        new Random(1).NextBytes(backing);
        var slice = backing.AsSpan(3, 9_990);
        var expected = Reference(slice.ToArray(), s_keyBytes, 2);

        Masking.Apply(slice, Key, 2);

        Assert.That(slice.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void Apply_InChunksPassingReturnedOffset_EqualsOneCall()
    {
        var data = new byte[1000];
        new Random(2).NextBytes(data);
        var whole = (byte[])data.Clone();
        Masking.Apply(whole, Key, 0);
        int[] chunkSizes = [1, 2, 3, 5, 7, 64, 65, 100, 253];

        var chunked = (byte[])data.Clone();
        var position = 0;
        var maskOffset = 0;
        for (var i = 0; position < chunked.Length; i++)
        {
            var size = Math.Min(chunkSizes[i % chunkSizes.Length], chunked.Length - position);
            maskOffset = Masking.Apply(chunked.AsSpan(position, size), Key, maskOffset);
            position += size;
        }

        Assert.That(chunked, Is.EqualTo(whole));
    }

    [Test]
    public void Apply_Twice_RestoresData()
    {
        var original = new byte[333];
        new Random(3).NextBytes(original);
        var data = (byte[])original.Clone();

        Masking.Apply(data, unchecked((int)0xdeadbeef), 1);
        Masking.Apply(data, unchecked((int)0xdeadbeef), 1);

        Assert.That(data, Is.EqualTo(original));
    }

    [Test]
    public void Apply_ZeroKey_LeavesDataAndAdvancesOffset()
    {
        var data = "Hello"u8.ToArray();

        var next = Masking.Apply(data, 0, 3);

        Assert.That(data, Is.EqualTo("Hello"u8.ToArray()));
        Assert.That(next, Is.EqualTo(0));
    }

    [Test]
    public void CopyMasked_EveryLengthAndOffset_MatchesNaiveReferenceAndLeavesTheSource()
    {
        var random = new Random(7692);
        for (var length = 0; length <= 100; length++)
        {
            for (var offset = 0; offset < 4; offset++)
            {
                var source = new byte[length];
                random.NextBytes(source);
                var original = (byte[])source.Clone();
                var destination = new byte[length + 5];

                var next = Masking.CopyMasked(source, destination.AsSpan(1), Key, offset);

                Assert.That(destination.AsSpan(1, length).ToArray(), Is.EqualTo(Reference(source, s_keyBytes, offset)), $"length {length}, offset {offset}");
                Assert.That(destination[0], Is.Zero, "wrote before the destination");
                Assert.That(destination.AsSpan(1 + length).ToArray(), Is.All.Zero, "wrote past the source's length");
                Assert.That(source, Is.EqualTo(original));
                Assert.That(next, Is.EqualTo((offset + length) & 3));
            }
        }
    }

    [TestCase(0)]
    [TestCase(3)]
    public void CopyMasked_LargeUnalignedBuffer_MatchesApply(int offset)
    {
        var backing = new byte[(1 << 16) + 20];
        new Random(offset).NextBytes(backing);
        var source = backing.AsSpan(3, 1 << 16).ToArray();
        var expected = (byte[])source.Clone();
        Masking.Apply(expected, Key, offset);
        var destination = new byte[(1 << 16) + 7];

        Masking.CopyMasked(source, destination.AsSpan(7), Key, offset);

        Assert.That(destination.AsSpan(7).ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void CopyMasked_ZeroKey_CopiesAsIs()
    {
        var destination = new byte[5];

        var next = Masking.CopyMasked("Hello"u8, destination, 0, 1);

        Assert.That(destination, Is.EqualTo("Hello"u8.ToArray()));
        Assert.That(next, Is.EqualTo(2));
    }

    private static byte[] Reference(byte[] data, byte[] key, int offset)
    {
        var result = new byte[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            result[i] = (byte)(data[i] ^ key[(offset + i) % 4]);
        }

        return result;
    }
}
