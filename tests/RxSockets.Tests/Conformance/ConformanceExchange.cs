using System.IO.Pipelines;
using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Conformance;

/// <summary>
/// One connection of ours (server or client role) over an in-memory pipe, a scripted raw peer on the other end, and a
/// recorder subscribed to <see cref="WebSocketConnection.Incoming"/> from the start, so a test can assert exactly what
/// reached the consumer. Timers run on a <see cref="TestScheduler"/> that never moves, so no keepalive ping appears.
/// </summary>
internal sealed class ConformanceExchange : IDisposable
{
    private readonly IDisposable _subscription;

    private ConformanceExchange(ConnectionRole role, Action<ConnectionOptions>? configure, PipeOptions? pipe)
    {
        Role = role;
        (Connection, Peer) = InMemory.Open(role, new TestScheduler(), configure, pipe);
        _subscription = Connection.Incoming.Subscribe(Incoming);
    }

    /// <summary>Both roles, for <c>[TestCaseSource]</c>.</summary>
    public static ConnectionRole[] Roles { get; } = [ConnectionRole.Server, ConnectionRole.Client];

    public ConnectionRole Role { get; }

    public WebSocketConnection Connection { get; }

    public RawPeer Peer { get; }

    public RecordingObserver<Message> Incoming { get; } = new();

    public static ConformanceExchange Open(ConnectionRole role, Action<ConnectionOptions>? configure = null, PipeOptions? pipe = null) =>
        new(role, configure, pipe);

    /// <summary>Every case of <paramref name="cases"/> once per role, the role first.</summary>
    public static IEnumerable<TestCaseData> ForBothRoles(IEnumerable<object[]> cases, Func<object[], string>? name = null) =>
        from role in Roles
        from arguments in cases
        select new TestCaseData([role, .. arguments]).SetArgDisplayNames([role.ToString(), .. (name is null ? arguments.Select(Display) : [name(arguments)])]);

    /// <summary>A frame as this peer sends it (masked towards our server).</summary>
    public byte[] Frame(int opcode, byte[] payload, bool fin = true, int rsv = 0, int? lengthBytes = null) =>
        WireFrame.To(Role, opcode, payload, fin, rsv, lengthBytes);

    /// <summary>Writes the bytes of all <paramref name="parts"/> in one flush.</summary>
    public Task SendAsync(CancellationToken cancellationToken, params byte[][] parts) =>
        Peer.WriteAsync(HexHelper.Concat(parts), cancellationToken);

    /// <summary>Waits until the consumer has <paramref name="count"/> messages; fails at once if the connection ends
    /// first (rather than waiting for the test's timeout).</summary>
    public async Task WaitForMessagesAsync(int count, CancellationToken cancellationToken)
    {
        var arrived = Incoming.WaitForCountAsync(count, cancellationToken);
        var first = await Task.WhenAny(arrived, Incoming.Terminated);
        if (first != arrived && Incoming.Values.Count < count)
        {
            var error = await Incoming.Terminated;
            Assert.Fail($"the connection ended after {Incoming.Values.Count} of {count} messages: {error?.Message}");
        }

        await arrived;
    }

    /// <summary>
    /// Asserts that our side failed the connection with <paramref name="code"/>: its close frame carries that code and
    /// is preceded by exactly <paramref name="before"/> (pongs, say), <see cref="WebSocketConnection.Completion"/> faults
    /// with a <see cref="ProtocolException"/> of that code, and no message reached the consumer.
    /// </summary>
    public async Task ExpectFailureAsync(CloseCode code, CancellationToken cancellationToken, params Opcode[] before)
    {
        var (frames, close) = await ReadUntilCloseAsync(cancellationToken);
        await Peer.CompleteAsync();   // lets a draining client end now rather than at the close timeout
        await Peer.ExpectEndAsync(cancellationToken);

        Assert.That(frames.Select(f => f.Header.Opcode), Is.EqualTo(before), "frames before the close");
        Assert.That(close?.Code, Is.EqualTo(code), "close code on the wire");
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => Connection.Completion.WaitAsync(cancellationToken));
        Assert.That((error?.InnerException as ProtocolException)?.Code, Is.EqualTo(code), "reported cause");
        Assert.That(await Incoming.Terminated.WaitAsync(cancellationToken), Is.InstanceOf<ConnectionClosedException>());
        Assert.That(Incoming.Values, Is.Empty, "messages delivered to the consumer");
    }

    /// <summary>
    /// Closes from the peer with 1000 and asserts the echo and a clean end; returns every message the consumer
    /// received and the frames our side sent before its close (pongs, say).
    /// </summary>
    public async Task<(IReadOnlyList<Message> Messages, IReadOnlyList<Frame> Before)> CloseCleanlyAsync(CancellationToken cancellationToken)
    {
        await Peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        var (frames, echo) = await ReadUntilCloseAsync(cancellationToken);
        await Peer.CompleteAsync();
        await Connection.Completion.WaitAsync(cancellationToken);
        await Peer.ExpectEndAsync(cancellationToken);

        Assert.That(echo?.Code, Is.EqualTo(CloseCode.NormalClosure), "echoed close code");
        Assert.That(await Incoming.Terminated.WaitAsync(cancellationToken), Is.Null, "Incoming completes cleanly");
        return (Incoming.Values, frames);
    }

    /// <summary>Reads our side's frames up to and including its close frame.</summary>
    public async Task<(List<Frame> Before, CloseStatus? Close)> ReadUntilCloseAsync(CancellationToken cancellationToken)
    {
        var frames = new List<Frame>();
        while (true)
        {
            var frame = await Peer.ReadFrameAsync(cancellationToken);
            Assert.That(frame, Is.Not.Null, "the stream ended without a close frame");
            if (frame!.Value.Header.Opcode == Opcode.Close)   // checked non-null just above
            {
                return (frames, ClosePayload.Parse(frame.Value.Payload));
            }

            frames.Add(frame.Value);
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        Connection.Abort();
    }

    private static string Display(object argument) => argument switch
    {
        byte[] bytes => bytes.Length <= 16 ? Convert.ToHexString(bytes) : $"{bytes.Length} bytes",
        _ => argument.ToString() ?? "null",
    };
}
