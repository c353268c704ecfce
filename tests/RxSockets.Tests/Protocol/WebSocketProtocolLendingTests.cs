using System.Buffers;
using System.Runtime.InteropServices;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using RxSockets.Transport.Epoll;

namespace RxSockets.Tests.Protocol;

/// <summary>
/// Zero-copy receive: a large whole message for a lease consumer is lent out of the epoll pipe's receive segment
/// (<see cref="PooledSegment.Lend"/>) instead of copied, and the segment's array stays out of the pool until both the
/// pipe and the lease are done with it. Everything else (small, fragmented, compressed, plain consumers, other
/// transports' buffers) is still copied.
/// </summary>
public class WebSocketProtocolLendingTests
{
    private const long Limit = 1 << 20;
    private const int Large = 64 * 1024;

    private static byte[] Pattern(int length, int seed = 0) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 7) + seed))];

    private static WebSocketProtocol Protocol(ConnectionRole role, bool pooled = true) =>
        new(role, Limit, 1024) { PooledPayloads = pooled };

    /// <summary>One segment of <paramref name="size"/> bytes (at least) holding <paramref name="bytes"/>.</summary>
    private static PooledSegment Segment(byte[] bytes, int size = Large + 1024)
    {
        var segment = PooledSegment.Rent(size, previous: null);
        bytes.CopyTo(segment.FreeSpan);
        segment.Commit(bytes.Length);
        return segment;
    }

    private static Message ReadOne(WebSocketProtocol protocol, PooledSegment segment)
    {
        var buffer = new ReadOnlySequence<byte>(segment, 0, segment, segment.End);
        Assert.That(protocol.Read(ref buffer, out var message, out _), Is.EqualTo(ProtocolEvent.Message));
        Assert.That(buffer.Length, Is.Zero, "the whole frame is consumed");
        return message;
    }

    private static bool IsIn(Message message, PooledSegment segment) =>
        MemoryMarshal.TryGetArray(message.Data, out var bytes) && ReferenceEquals(bytes.Array, segment.Array);

    [Test]
    public void Read_LargeUnmaskedMessageOnClient_IsLentFromTheSegmentNotCopied()
    {
        var payload = Pattern(Large);
        var segment = Segment(ClientFrame.Unmasked(Opcode.Binary, payload));

        var message = ReadOne(Protocol(ConnectionRole.Client), segment);

        Assert.That(IsIn(message, segment), Is.True, "the payload is the segment's bytes");
        Assert.That(message.Data.ToArray(), Is.EqualTo(payload));
        Assert.That(segment.Holders, Is.EqualTo(2), "the pipe and the lease");
        var lease = new MessageLease(message);
        Assert.That(lease.IsPooled, Is.True);
        lease.Dispose();
        Assert.That(segment.Holders, Is.EqualTo(1));
        segment.Return();
        Assert.That(segment.Holders, Is.Zero, "recycled once both let go");
    }

    [Test]
    public void Read_LargeMaskedTextOnServer_IsUnmaskedInPlaceAndChecked()
    {
        var payload = Enumerable.Repeat("héllo wörld "u8.ToArray(), 6000).SelectMany(bytes => bytes).ToArray();
        var segment = Segment(ClientFrame.Masked(Opcode.Text, payload), 128 * 1024);

        var message = ReadOne(Protocol(ConnectionRole.Server), segment);

        Assert.That((IsIn(message, segment), message.IsText), Is.EqualTo((true, true)));
        Assert.That(message.Data.ToArray(), Is.EqualTo(payload));
        new MessageLease(message).Dispose();
        segment.Return();
    }

    [Test]
    public void Read_PipeLetsGoFirst_TheLeasedBytesStayOutOfThePoolUntilTheLeaseIsOver()
    {
        var payload = Pattern(Large, seed: 3);
        var segment = Segment(ClientFrame.Unmasked(Opcode.Binary, payload));
        var array = segment.Array;
        var lease = new MessageLease(ReadOne(Protocol(ConnectionRole.Client), segment));

        segment.Return();   // the pipe consumed the frame and moved on

        Assert.That(segment.Holders, Is.EqualTo(1), "the lease still holds the array");
        var rented = ArrayPool<byte>.Shared.Rent(array.Length);
        Assert.That(rented, Is.Not.SameAs(array), "the lent array is not back in the pool");
        rented.AsSpan().Fill(0xEE);
        ArrayPool<byte>.Shared.Return(rented);
        Assert.That(lease.Data.ToArray(), Is.EqualTo(payload));

        lease.Dispose();
        lease.Dispose();   // twice: still one release

        Assert.That(segment.Holders, Is.Zero);
    }

    [Test]
    public void Read_LeaseSentInsteadOfDisposed_GivesTheBytesBackOnceWritten()
    {
        var segment = Segment(ClientFrame.Unmasked(Opcode.Binary, Pattern(Large)));
        var lease = new MessageLease(ReadOne(Protocol(ConnectionRole.Client), segment));

        var (message, version) = lease.Transfer();   // what SendAsync(lease) does
        Assert.That((lease.IsLive, segment.Holders), Is.EqualTo((false, 2)), "handed over, not yet written");
        new RxSockets.Transport.Outbound(message, null, version).Release();   // the writer is done with it

        Assert.That(segment.Holders, Is.EqualTo(1));
        segment.Return();
    }

    [Test]
    public void Read_InvalidUtf8LargeText_FailsWith1007AndLendsNothing()
    {
        var payload = Pattern(Large);
        payload[^1] = 0xFF;
        var segment = Segment(ClientFrame.Unmasked(Opcode.Text, payload));
        var buffer = new ReadOnlySequence<byte>(segment, 0, segment, segment.End);

        var error = Assert.Throws<ProtocolException>(() => Protocol(ConnectionRole.Client).Read(ref buffer, out _, out _));

        Assert.That((error!.Code, segment.Holders), Is.EqualTo((CloseCode.InvalidPayloadData, 1)));
        segment.Return();
    }

    [Test]
    public void Read_MessagesThatAreNotLent_AreCopiedAndHoldNothing()
    {
        var cases = new (string Name, WebSocketProtocol Protocol, byte[] Frames, int SegmentSize)[]
        {
            ("below the minimum", Protocol(ConnectionRole.Client), ClientFrame.Unmasked(Opcode.Binary, Pattern(WebSocketProtocol.LentPayloadMinimum - 1)), Large),
            ("not a lease consumer", Protocol(ConnectionRole.Client, pooled: false), ClientFrame.Unmasked(Opcode.Binary, Pattern(Large)), Large + 1024),
            ("under 1/8 of its segment", Protocol(ConnectionRole.Client), ClientFrame.Unmasked(Opcode.Binary, Pattern(WebSocketProtocol.LentPayloadMinimum)), 512 * 1024),
            ("fragmented", Protocol(ConnectionRole.Client),
                [.. ClientFrame.Unmasked(Opcode.Binary, Pattern(Large / 2), fin: false), .. ClientFrame.Unmasked(Opcode.Continuation, Pattern(Large / 2))], Large + 1024),
        };

        foreach (var (name, protocol, frames, size) in cases)
        {
            var segment = Segment(frames, size);
            var message = ReadOne(protocol, segment);

            Assert.That((IsIn(message, segment), segment.Holders), Is.EqualTo((false, 1)), name);
            new MessageLease(message).Dispose();
            segment.Return();
        }
    }

    [Test]
    public void Read_LargeFrameSplitAcrossSegments_IsCopiedWhole()
    {
        var payload = Pattern(Large, seed: 5);
        var frame = ClientFrame.Unmasked(Opcode.Binary, payload);
        var first = Segment(frame[..1000], Large);
        var second = PooledSegment.Rent(Large, first);
        frame.AsSpan(1000).CopyTo(second.FreeSpan);
        second.Commit(frame.Length - 1000);
        var buffer = new ReadOnlySequence<byte>(first, 0, second, second.End);

        Assert.That(Protocol(ConnectionRole.Client).Read(ref buffer, out var message, out _), Is.EqualTo(ProtocolEvent.Message));

        Assert.That((IsIn(message, first) || IsIn(message, second), first.Holders, second.Holders), Is.EqualTo((false, 1, 1)));
        Assert.That(message.Data.ToArray(), Is.EqualTo(payload));
        new MessageLease(message).Dispose();
        first.Return();
        second.Return();
    }

    [Test]
    public void Read_LentMessageThenTheNextInTheSameSegment_BothIntact()
    {
        var one = Pattern(Large, seed: 1);
        var two = Pattern(Large, seed: 2);
        var segment = Segment([.. ClientFrame.Unmasked(Opcode.Binary, one), .. ClientFrame.Unmasked(Opcode.Binary, two)], 256 * 1024);
        var protocol = Protocol(ConnectionRole.Client);
        var buffer = new ReadOnlySequence<byte>(segment, 0, segment, segment.End);

        Assert.That(protocol.Read(ref buffer, out var first, out _), Is.EqualTo(ProtocolEvent.Message));
        Assert.That(protocol.Read(ref buffer, out var second, out _), Is.EqualTo(ProtocolEvent.Message));

        Assert.That((first.Data.ToArray(), second.Data.ToArray()), Is.EqualTo((one, two)));
        Assert.That(segment.Holders, Is.EqualTo(3));
        segment.Return();
        new MessageLease(second).Dispose();
        Assert.That(segment.Holders, Is.EqualTo(1));
        Assert.That(first.Data.ToArray(), Is.EqualTo(one), "still held");
        new MessageLease(first).Dispose();
        Assert.That(segment.Holders, Is.Zero);
    }
}
