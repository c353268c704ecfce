using System.Buffers;
using System.IO.Compression;
using RxSockets.Protocol;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using RxSockets.Transport;

namespace RxSockets.Tests.Protocol.Deflate;

/// <summary>Compression and decompression within every window size of RFC 7692 §7.1.2 (8 to 15 bits).</summary>
public class DeflateWindowTests
{
    private const long Limit = 1 << 20;

    public static IEnumerable<TestCaseData> EveryWindow() =>
        from bits in Enumerable.Range(8, 8)
        from noContext in new[] { false, true }
        select new TestCaseData(bits, noContext);

    public static IEnumerable<TestCaseData> EveryWindowAndLevel() =>
        from bits in Enumerable.Range(8, 8)
        from level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.SmallestSize }
        select new TestCaseData(bits, level);

    [TestCaseSource(nameof(EveryWindowAndLevel))]
    public void Compress_Window_DecodableWithOnlyThatMuchHistory(int bits, CompressionLevel level)
    {
        // Repeats farther apart than the window (but within 32 KiB): a compressor with a larger window refers to them.
        var messages = Enumerable.Range(0, 3).Select(i => FarRepeats(bits, seed: i)).ToArray();
        using var deflater = new PerMessageDeflater(level, noContextTakeover: false, bits);

        var payloads = messages.Select(m => deflater.Compress(m).ToArray()).ToList();

        Assert.That(SmallWindowInflate.Messages(payloads, bits), Is.EqualTo(messages));
    }

    [Test]
    public void Compress_FifteenBitWindow_IsNotDecodableWithASmallerOne()
    {
        // The check above is not vacuous: what a 32 KiB window compresses refers beyond 2^12 bytes in this data.
        var message = FarRepeats(12, seed: 0);
        using var deflater = new PerMessageDeflater(CompressionLevel.Optimal, noContextTakeover: false, windowBits: 15);

        var payload = deflater.Compress(message).ToArray();

        Assert.Throws<InvalidDataException>(() => SmallWindowInflate.Messages([payload], 12));
    }

    [TestCaseSource(nameof(EveryWindow))]
    public void WriteThenRead_Window_RoundTripsThroughFramesAndTheAgreedInflater(int bits, bool noContext)
    {
        var settings = new DeflateSettings("permessage-deflate", noContext, noContext, 0, CompressionLevel.Optimal,
            CompressWindowBits: bits, InflateWindowBits: bits, MemoryLevel: 8);
        using var writer = new DeflateFrameWriter(settings);
        var protocol = new WebSocketProtocol(ConnectionRole.Server, Limit, 0, inflater: new PerMessageInflater(noContext, bits));
        var output = new ArrayBufferWriter<byte>();
        var sent = Enumerable.Range(0, 4).Select(i => FarRepeats(bits, seed: i)).Append([1, 2, 3]).ToArray();

        foreach (var payload in sent)
        {
            Assert.That(writer.TryWriteMessage(output, Message.Binary(payload), fragmentSize: 1000, new MaskKeySource()), Is.True);
        }

        var messages = new List<Message>();
        ProtocolFeed.InChunks(protocol, output.WrittenSpan.ToArray(), chunkSize: 777, messages);

        Assert.That(messages.Select(m => m.Data.ToArray()), Is.EqualTo(sent));
    }

    [Test]
    public void Inflate_PeerReachesBeyondTheAgreedWindow_ThrowsInvalidPayloadData()
    {
        // A peer that agreed to 9 bits but compresses with 15: its second message refers 2,000 bytes back, into the
        // previous message, which a 512-byte window no longer holds.
        var first = FarRepeats(9, seed: 5)[..2000];
        using var deflater = new PerMessageDeflater(CompressionLevel.Optimal, noContextTakeover: false, windowBits: 15);
        var payloads = new[] { deflater.Compress(first).ToArray(), deflater.Compress(first.AsSpan(0, 300)).ToArray() };
        using var inflater = new PerMessageInflater(noContextTakeover: false, windowBits: 9);

        Assert.That(inflater.Inflate(payloads[0], Limit), Is.EqualTo(first));
        var error = Assert.Throws<ProtocolException>(() => inflater.Inflate(payloads[1], Limit));

        Assert.That(error?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
        Assert.That(error?.Message, Does.Contain("too far back"));
    }

    [TestCase(1)]
    [TestCase(4)]
    [TestCase(9)]
    public void Compress_MemoryLevel_RoundTrips(int memLevel)
    {
        var message = FarRepeats(10, seed: 3);
        using var deflater = new PerMessageDeflater(CompressionLevel.Optimal, noContextTakeover: false, 10, memLevel);

        var payload = deflater.Compress(message).ToArray();

        Assert.That(SmallWindowInflate.Messages([payload], 10).Single(), Is.EqualTo(message));
    }

    [Test]
    public void GetBytes_PreparedFrameForTwoWindows_CompressesOncePerWindow()
    {
        var message = FarRepeats(9, seed: 1);
        var frame = PreparedFrame.Create(Message.Binary(message), fragmentSize: 0);
        var small = new DeflateSettings("permessage-deflate", false, false, 0, CompressionLevel.Optimal, CompressWindowBits: 9);
        var large = small with { CompressWindowBits = 15 };

        var smallBytes = frame.GetBytes(small, out _);
        var largeBytes = frame.GetBytes(large, out _);

        Assert.That(frame.GetBytes(small, out _), Is.EqualTo(smallBytes));   // the same memory
        Assert.That(frame.GetBytes(large, out _), Is.EqualTo(largeBytes));
        Assert.That(SmallWindowInflate.Messages([Payload(smallBytes.ToArray())], 9).Single(), Is.EqualTo(message));
    }

    /// <summary>A random block, random filler as long as the window, the block again, and so on: matches for the
    /// block lie just beyond a 2^<paramref name="bits"/> window, within a 32 KiB one (below 15 bits).</summary>
    private static byte[] FarRepeats(int bits, int seed)
    {
        var random = new Random(bits * 100 + seed);
        var block = new byte[200];
        random.NextBytes(block);
        var data = new List<byte>();
        for (var i = 0; i < 4; i++)
        {
            data.AddRange(block);
            var filler = new byte[Math.Min(1 << bits, 30_000)];
            random.NextBytes(filler);
            data.AddRange(filler);
        }

        data.AddRange(block);
        return [.. data];
    }

    /// <summary>The payload of one unmasked, unfragmented server frame.</summary>
    private static byte[] Payload(byte[] frame)
    {
        var length = frame[1] & 0x7f;
        var offset = length switch { 126 => 4, 127 => 10, _ => 2 };
        return frame[offset..];
    }
}
