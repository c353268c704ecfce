using System.Buffers;
using System.Text;
using RxSockets.Protocol;
using static RxSockets.Tests.Support.HexHelper;

namespace RxSockets.Tests.Protocol;

public class Utf8ValidatorTests
{
    // Bytes that exercise every boundary of Unicode Table 3-7.
    private static readonly byte[] s_alphabet =
        [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF];

    [TestCase("")]
    [TestCase("48656c6c6f")]
    [TestCase("c2a2")]
    [TestCase("e282ac")]
    [TestCase("f09f9880")]
    [TestCase("ed9fbf")]
    [TestCase("ee8080")]
    [TestCase("f48fbfbf")]
    [TestCase("cebae1bdb9cf83cebcceb5")]
    public void Append_ValidUtf8_ReturnsTrueAndIsComplete(string hex)
    {
        var validator = new Utf8Validator();

        var valid = validator.Append(Hex(hex));

        Assert.That(valid, Is.True);
        Assert.That(validator.IsComplete, Is.True);
    }

    [TestCase("c0af", Description = "overlong /")]
    [TestCase("c1bf", Description = "overlong 2-byte")]
    [TestCase("e080af", Description = "overlong 3-byte")]
    [TestCase("f08080af", Description = "overlong 4-byte")]
    [TestCase("eda080", Description = "surrogate D800")]
    [TestCase("edbfbf", Description = "surrogate DFFF")]
    [TestCase("f4908080", Description = "above U+10FFFF")]
    [TestCase("f5808080", Description = "invalid lead F5")]
    [TestCase("80", Description = "lone continuation")]
    [TestCase("41bf", Description = "continuation after ASCII")]
    [TestCase("e28241", Description = "ASCII inside a sequence")]
    [TestCase("fe")]
    [TestCase("ff")]
    [TestCase("48656c6c6fc0af776f726c64")]
    [TestCase("f09f9880 80")]
    public void Append_InvalidUtf8_ReturnsFalse(string hex)
    {
        var validator = new Utf8Validator();

        var valid = validator.Append(Hex(hex));

        Assert.That(valid, Is.False);
    }

    [TestCase("e282")]
    [TestCase("f09f98")]
    [TestCase("41c3")]
    public void Append_TruncatedSequence_ReturnsTrueButIsNotComplete(string hex)
    {
        var validator = new Utf8Validator();

        var valid = validator.Append(Hex(hex));

        Assert.That(valid, Is.True);
        Assert.That(validator.IsComplete, Is.False);
    }

    [Test]
    public void Append_MultiByteTextSplitAtEveryPosition_IsValidAndComplete()
    {
        var bytes = Encoding.UTF8.GetBytes("aé€😀z\U0010FFFF\uD7FF\uE000");

        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var validator = new Utf8Validator();

                var valid = validator.Append(bytes.AsSpan(0, first))
                    && validator.Append(bytes.AsSpan(first, second - first))
                    && validator.Append(bytes.AsSpan(second));

                Assert.That(valid && validator.IsComplete, Is.True, $"split at {first} and {second}");
            }
        }
    }

    [Test]
    public void Append_SecondPieceStartsWithBadContinuation_FailsOnThatPiece()
    {
        var validator = new Utf8Validator();

        var first = validator.Append(Hex("41 ed"));
        var second = validator.Append(Hex("a0 80"));

        Assert.That(first, Is.True);
        Assert.That(second, Is.False);
    }

    [Test]
    public void Reset_AfterTruncatedSequence_StartsFresh()
    {
        var validator = new Utf8Validator();
        validator.Append(Hex("e2 82"));

        validator.Reset();

        Assert.That(validator.IsComplete, Is.True);
        Assert.That(validator.Append(Hex("41")), Is.True);
    }

    [Test]
    public void Append_RandomBytesSplitAnywhere_AgreesWithBclValidator()
    {
        var random = new Random(6455);
        for (var round = 0; round < 3000; round++)
        {
            var bytes = RandomCandidate(random);
            var expected = System.Text.Unicode.Utf8.IsValid(bytes);

            for (var cut = 0; cut <= bytes.Length; cut++)
            {
                var validator = new Utf8Validator();

                var valid = validator.Append(bytes.AsSpan(0, cut)) && validator.Append(bytes.AsSpan(cut)) && validator.IsComplete;

                Assert.That(valid, Is.EqualTo(expected), $"{Convert.ToHexString(bytes)} cut at {cut}");
            }
        }
    }

    [Test]
    public void Append_RandomBytesOneAtATime_FailsExactlyAtFirstInvalidByte()
    {
        var random = new Random(1007);
        for (var round = 0; round < 3000; round++)
        {
            var bytes = RandomCandidate(random);
            var expectedFailure = FirstUnextendablePrefix(bytes);
            var validator = new Utf8Validator();

            var failure = -1;
            for (var i = 0; i < bytes.Length && failure < 0; i++)
            {
                if (!validator.Append(bytes.AsSpan(i, 1)))
                {
                    failure = i;
                }
            }

            Assert.That(failure, Is.EqualTo(expectedFailure), Convert.ToHexString(bytes));
        }
    }

    [Test]
    public void Append_RandomBytesInOneCall_FailsWhenAnyPrefixCannotBeExtended()
    {
        var random = new Random(42);
        for (var round = 0; round < 3000; round++)
        {
            var bytes = RandomCandidate(random);
            var validator = new Utf8Validator();

            var valid = validator.Append(bytes);

            Assert.That(valid, Is.EqualTo(FirstUnextendablePrefix(bytes) < 0), Convert.ToHexString(bytes));
        }
    }

    private static byte[] RandomCandidate(Random random)
    {
        // Mostly valid text with an occasional stray byte, so both outcomes are common.
        var parts = new List<byte>();
        var count = random.Next(0, 8);
        for (var i = 0; i < count; i++)
        {
            if (random.Next(4) == 0)
            {
                parts.Add(s_alphabet[random.Next(s_alphabet.Length)]);
            }
            else
            {
                var rune = random.Next(4) switch
                {
                    0 => random.Next(0x80),
                    1 => random.Next(0x80, 0x800),
                    2 => random.Next(2) == 0 ? random.Next(0x800, 0xD800) : random.Next(0xE000, 0x10000),
                    _ => random.Next(0x10000, 0x110000),
                };
                parts.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(rune)));
            }
        }

        return [.. parts];
    }

    // The index of the first byte after which no continuation can make the text valid, or -1: the reference for
    // "fail on the first invalid byte". Rune.DecodeFromUtf8 reports NeedMoreData only for a valid incomplete tail.
    private static int FirstUnextendablePrefix(byte[] bytes)
    {
        var position = 0;
        while (position < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes.AsSpan(position), out _, out var consumed);
            switch (status)
            {
                case OperationStatus.Done:
                    position += consumed;
                    break;
                case OperationStatus.NeedMoreData:
                    return -1;
                default:
                    // The maximal invalid subpart is a well-started sequence cut short by the offending byte, or
                    // a single byte that can never start a sequence.
                    return bytes[position] is >= 0xC2 and <= 0xF4 ? position + consumed : position;
            }
        }

        return -1;
    }
}
