using System.Buffers;
using BenchmarkDotNet.Attributes;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Transport.Epoll;

namespace RxSockets.Benchmarks;

/// <summary>The receive copy of a large leased message: parsing an unmasked frame into a lease and giving it back, from
/// an array (what any transport but epoll hands the parser: the payload is copied into the lease's pooled buffer) and
/// from the epoll pipe's own receive segment (the payload is lent from it: no copy). Four frames per batch, so the
/// segment holds them all and each fills at least 1/8 of it, as the lending rule asks.</summary>
[MemoryDiagnoser]
public class ReceiveCopyBenchmarks
{
    private const int FramesPerBatch = 4;
    private byte[] _frames = [];
    private PooledSegment _segment = null!;
    private WebSocketProtocol _client = null!;

    [Params(16 * 1024, 64 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var writer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            FrameWriter.WriteMessage(writer, MessageType.Binary, new byte[Size], 0, null);
        }

        _frames = writer.WrittenSpan.ToArray();
        _segment = PooledSegment.Rent(_frames.Length, previous: null);
        _frames.CopyTo(_segment.FreeSpan);
        _segment.Commit(_frames.Length);
        _client = new WebSocketProtocol(ConnectionRole.Client, 1 << 20, 1024) { PooledPayloads = true };
    }

    [GlobalCleanup]
    public void Cleanup() => _segment.Return();

    [Benchmark(Baseline = true, OperationsPerInvoke = FramesPerBatch, Description = "copied into a pooled buffer (array)")]
    public int Copied() => ParseAll(new ReadOnlySequence<byte>(_frames));

    [Benchmark(OperationsPerInvoke = FramesPerBatch, Description = "lent from the receive segment (epoll)")]
    public int Lent() => ParseAll(new ReadOnlySequence<byte>(_segment, 0, _segment, _segment.End));

    private int ParseAll(ReadOnlySequence<byte> buffer)
    {
        var total = 0;
        while (_client.Read(ref buffer, out var message, out _) == ProtocolEvent.Message)
        {
            using var lease = new MessageLease(message);
            total += lease.Message.Data.Length;
        }

        return total;
    }
}
