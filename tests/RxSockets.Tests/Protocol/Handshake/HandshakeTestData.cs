using System.Buffers;
using System.Text;
using RxSockets.Protocol.Handshake;

namespace RxSockets.Tests.Protocol.Handshake;

/// <summary>Byte and sequence helpers shared by the handshake tests.</summary>
internal static class HandshakeTestData
{
    /// <summary>The sample nonce of RFC 6455 §1.3 and its accept value.</summary>
    public const string SampleKey = "dGhlIHNhbXBsZSBub25jZQ==";

    public const string SampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    public const int MaxHeaderBytes = 16 * 1024;

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Builds a sequence whose segments break at each of <paramref name="cuts"/>.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        var bounds = cuts.Where(cut => cut > 0 && cut < bytes.Length).Distinct().Order().Append(bytes.Length).ToArray();
        if (bounds.Length == 1)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var first = new Segment(bytes.AsMemory(0, bounds[0]), 0);
        var last = first;
        for (var i = 1; i < bounds.Length; i++)
        {
            last = last.Append(bytes.AsMemory(bounds[i - 1], bounds[i] - bounds[i - 1]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static HttpHead ParseRequest(string text) => Parse(text, HttpHeadKind.Request);

    public static HttpHead ParseResponse(string text) => Parse(text, HttpHeadKind.Response);

    private static HttpHead Parse(string text, HttpHeadKind kind)
    {
        var buffer = new ReadOnlySequence<byte>(Ascii(text));
        var status = HttpHead.TryParse(ref buffer, kind, MaxHeaderBytes, out var head, out var error);
        return status == HttpHeadParseStatus.Complete && head is not null
            ? head
            : throw new InvalidOperationException($"test head did not parse: {status} {error}");
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
