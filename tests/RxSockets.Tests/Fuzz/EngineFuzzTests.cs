using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of a whole connection (read loop, write loop, close handshake) over an in-memory pipe with
/// small buffers, fed valid, damaged and spliced frame streams in random chunks. Whatever arrives, the connection
/// never throws out of the engine, never hangs, delivers exactly the messages the sans-I/O parser finds before the
/// first error or close frame, answers the pings among them, and ends in the close the RFC asks for: the error's
/// code, the echo of the peer's close, or 1006 when the peer vanished mid-stream.
/// </summary>
[Category("Fuzz")]
public class EngineFuzzTests
{
    private static readonly TimeSpan s_caseTimeout = TimeSpan.FromSeconds(30);

    [Test]
    public void Connection_MutatedStreamsInRandomChunks_EndsAsTheParserPredicts()
    {
        FuzzSettings.Check(FrameStreams.Cases(), fuzz => RunAsync(fuzz).GetAwaiter().GetResult(), shortRun: 200);
    }

    private static async Task RunAsync(FuzzCase fuzz)
    {
        using var timeout = new CancellationTokenSource(s_caseTimeout);
        var cancellationToken = timeout.Token;
        var expected = ProtocolRun.Of(fuzz.Target, [fuzz.Stream], FuzzSettings.MaxMessageSize, FuzzSettings.MaxFragments);

        // A small pipe: if the engine ever stopped consuming (buffering the peer's bytes instead), the peer's flush
        // would block and the case would time out.
        var (local, remote) = PipePair.Create(PipePair.SmallBuffer(8 * 1024));
        // Delivery settings vary with the case (deterministically, so a printed case replays the same way): inline or
        // from a loop, into a queue with room for one to three messages.
        await using var connection = InMemory.Create(local, fuzz.Target, new TestScheduler(), o =>
        {
            o.MaxMessageSize = FuzzSettings.MaxMessageSize;
            o.MaxFragments = FuzzSettings.MaxFragments;
            o.InlineDelivery = fuzz.Stream.Length % 2 == 0;
            o.ReceiveQueueCapacity = 1 + fuzz.Stream.Length % 3;
        });
        var incoming = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(incoming);
        var sent = ReadFramesAsync(remote.Input, expectMasked: fuzz.Target == ConnectionRole.Client, cancellationToken);

        try
        {
            await WriteAsync(remote.Output, fuzz, cancellationToken);
            ConnectionClosedException? failure = null;
            try
            {
                await connection.Completion.WaitAsync(cancellationToken);
            }
            catch (ConnectionClosedException error)
            {
                failure = error;
            }

            var frames = await sent;
            var terminated = await incoming.Terminated.WaitAsync(cancellationToken);
            Verify(expected, frames, failure, incoming.Values, terminated);
            Require(connection.State == ConnectionState.Closed, $"state {connection.State} after Completion");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"The connection did not end within {s_caseTimeout}: state {connection.State}, " +
                $"{incoming.Values.Count} messages delivered, expected {expected.Messages.Count}, error {expected.Error}.");
        }
    }

    private static void Verify(ProtocolRun expected, List<Frame> frames, ConnectionClosedException? failure, IReadOnlyList<Message> delivered, Exception? terminated)
    {
        Require(delivered.SequenceEqual(expected.Messages), $"delivered {delivered.Count} messages, the parser found {expected.Messages.Count}");

        var close = frames.Count > 0 && frames[^1].Header.Opcode == Opcode.Close ? frames[^1] : (Frame?)null;
        var pongs = frames.Take(close is null ? frames.Count : frames.Count - 1).ToList();
        Require(pongs.All(f => f.Header.Opcode == Opcode.Pong), $"unexpected frames: {string.Join(",", pongs.Select(f => f.Header.Opcode))}");
        Require(pongs.Count <= expected.Pings.Count && pongs.Select((p, i) => p.Payload.SequenceEqual(expected.Pings[i])).All(same => same),
            "the pongs do not answer the pings in order");

        if (expected.Error is { } code)
        {
            Require(close is not null, $"no close frame after a protocol error {code}");
            Require(ClosePayload.Parse(close!.Value.Payload)?.Code == code, $"closed with {Describe(close.Value)} instead of {code}");   // checked just above
            Require((failure?.InnerException as ProtocolException)?.Code == code, $"Completion reported {failure?.InnerException?.GetType().Name ?? "success"} instead of {code}");
        }
        else if (expected.CloseBody is { } body)
        {
            Require(close is not null, "the peer's close frame was not echoed");
            var echo = close!.Value.Payload;   // checked just above
            Require(body.Length == 0 ? echo.Length == 0 : echo.Length == 2 && echo.AsSpan().SequenceEqual(body.AsSpan(0, 2)), $"echoed {Describe(close.Value)}");
            Require(failure is null, $"a clean close handshake faulted Completion: {failure?.Message}");
        }
        else
        {
            Require(close is null, $"closed with {(close is { } c ? Describe(c) : "")} though the peer just vanished");
            Require(failure?.Code == CloseCode.AbnormalClosure, $"Completion reported {failure?.Code.ToString() ?? "success"} instead of 1006");
        }

        Require(failure is null ? terminated is null : terminated is ConnectionClosedException, $"Incoming ended with {terminated?.GetType().Name ?? "completion"}");
    }

    private static async Task WriteAsync(PipeWriter output, FuzzCase fuzz, CancellationToken cancellationToken)
    {
        foreach (var piece in fuzz.Pieces())
        {
            output.Write(piece);
            var flush = await output.FlushAsync(cancellationToken);
            if (flush.IsCompleted)
            {
                break;   // our side stopped reading for good (it closed): the rest is never read
            }
        }

        await output.CompleteAsync();
    }

    /// <summary>Every frame our side sends until it ends the stream; a malformed one throws.</summary>
    private static async Task<List<Frame>> ReadFramesAsync(PipeReader input, bool expectMasked, CancellationToken cancellationToken)
    {
        var frames = new List<Frame>();
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            while (Frame.TryRead(ref buffer, expectMasked, long.MaxValue, out var frame))
            {
                frames.Add(frame);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                Require(buffer.IsEmpty, "our side ended its stream inside a frame");
                await input.CompleteAsync();
                return frames;
            }
        }
    }

    private static string Describe(Frame close) => ClosePayload.Parse(close.Payload) is { } status ? ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture) : "an empty close";

    private static void Require(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
    }
}
