using System.Buffers;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Fuzz;

/// <summary>Property-based fuzzing of the sans-I/O parser with valid, damaged and spliced frame streams in random
/// chunks: it throws nothing but <see cref="ProtocolException"/>, always makes progress, never holds back more than a
/// control frame, and reaches the same outcome however the bytes are chunked.</summary>
[Category("Fuzz")]
public class ParserFuzzTests
{
    [Test]
    public void Read_MutatedStreamsInRandomChunks_SameOutcomeAsAllAtOnceAndOnlyProtocolErrors()
    {
        FuzzSettings.Check(FrameStreams.Cases(), fuzz =>
        {
            var chunked = ProtocolRun.Of(fuzz.Target, fuzz.Pieces(), FuzzSettings.MaxMessageSize, FuzzSettings.MaxFragments);
            var whole = ProtocolRun.Of(fuzz.Target, [fuzz.Stream], FuzzSettings.MaxMessageSize, FuzzSettings.MaxFragments);

            Require(chunked.Messages.SequenceEqual(whole.Messages), "messages differ by chunking");
            Require(chunked.Pings.Select(Convert.ToHexString).SequenceEqual(whole.Pings.Select(Convert.ToHexString)), "pings differ by chunking");
            Require(chunked.Error == whole.Error, $"error {chunked.Error} chunked, {whole.Error} whole");
            Require(chunked.CloseBody?.SequenceEqual(whole.CloseBody ?? []) ?? whole.CloseBody is null, "close differs by chunking");
            Require(chunked.Error is null or CloseCode.ProtocolError or CloseCode.InvalidPayloadData or CloseCode.MessageTooBig, $"unexpected code {chunked.Error}");
        }, shortRun: 500);
    }

    [Test]
    public void FrameTryRead_MutatedStreams_OnlyProtocolErrorsAndAlwaysConsumes()
    {
        FuzzSettings.Check(FrameStreams.Cases(), fuzz =>
        {
            var buffer = new ReadOnlySequence<byte>(fuzz.Stream);
            try
            {
                var before = buffer.Length;
                while (Frame.TryRead(ref buffer, expectMasked: fuzz.Target == ConnectionRole.Server, FuzzSettings.MaxMessageSize, out var frame))
                {
                    Require(frame.Payload.LongLength == frame.Header.PayloadLength, "payload length differs from the header's");
                    Require(before - buffer.Length == frame.Header.HeaderLength + frame.Header.PayloadLength, "consumed a different length than the frame's");
                    before = buffer.Length;
                }
            }
            catch (ProtocolException)
            {
            }
        }, shortRun: 500);
    }

    private static void Require(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
    }
}
