using System.Buffers;

namespace RxSockets.Tests.Support;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that hands out spans only a few bytes longer than asked for, so writers must
/// handle payloads that span several <see cref="GetSpan"/> calls at odd boundaries.
/// </summary>
internal sealed class SmallSpanBufferWriter(int extra) : IBufferWriter<byte>
{
    private readonly List<byte> _written = [];
    private byte[] _current = [];

    public byte[] WrittenArray => [.. _written];

    public void Advance(int count) => _written.AddRange(_current.AsSpan(0, count));

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        _current = new byte[Math.Max(sizeHint, 1) + extra];
        return _current;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
