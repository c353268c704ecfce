using System.Buffers;
using BenchmarkDotNet.Attributes;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Benchmarks;

/// <summary>The protocol's hot path: writing and parsing 32-byte and 1 KiB frames. The memory diagnoser must show
/// 0 B for writing and for parsing into leases, and exactly the payload array for parsing into owned messages.</summary>
[MemoryDiagnoser]
public class FrameBenchmarks
{
    private const int FramesPerBatch = 64;
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private readonly MaskKeySource _masks = new();
    private byte[] _payload = [];
    private byte[] _clientFrames = [];
    private byte[] _serverFrames = [];
    private WebSocketProtocol _server = null!;
    private WebSocketProtocol _client = null!;

    [Params(32, 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[Size];
        var writer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            FrameWriter.WriteMessage(writer, MessageType.Binary, _payload, 0, _masks);
        }

        _clientFrames = writer.WrittenSpan.ToArray();
        writer.ResetWrittenCount();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            FrameWriter.WriteMessage(writer, MessageType.Binary, _payload, 0, null);
        }

        _serverFrames = writer.WrittenSpan.ToArray();
        _server = new WebSocketProtocol(ConnectionRole.Server, 1 << 20, 1024);
        _client = new WebSocketProtocol(ConnectionRole.Client, 1 << 20, 1024) { PooledPayloads = true };
    }

    [Benchmark(OperationsPerInvoke = FramesPerBatch, Description = "write masked frame (client)")]
    public void WriteMasked()
    {
        _output.ResetWrittenCount();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            FrameWriter.WriteMessage(_output, MessageType.Binary, _payload, 0, _masks);
        }
    }

    [Benchmark(OperationsPerInvoke = FramesPerBatch, Description = "write unmasked frame (server)")]
    public void WriteUnmasked()
    {
        _output.ResetWrittenCount();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            FrameWriter.WriteMessage(_output, MessageType.Binary, _payload, 0, null);
        }
    }

    [Benchmark(OperationsPerInvoke = FramesPerBatch, Description = "parse masked frame into a message (server)")]
    public int Parse()
    {
        var buffer = new ReadOnlySequence<byte>(_clientFrames);
        var total = 0;
        while (_server.Read(ref buffer, out var message, out _) == ProtocolEvent.Message)
        {
            total += message.Data.Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = FramesPerBatch, Description = "parse unmasked frame into a lease, give it back (client)")]
    public int ParseLease()
    {
        var buffer = new ReadOnlySequence<byte>(_serverFrames);
        var total = 0;
        while (_client.Read(ref buffer, out var message, out _) == ProtocolEvent.Message)
        {
            using var lease = new MessageLease(message);
            total += lease.Message.Data.Length;
        }

        return total;
    }
}
