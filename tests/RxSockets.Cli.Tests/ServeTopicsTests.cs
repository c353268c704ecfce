using RxSockets.Cli.Tests.Support;
using RxSockets.Messaging;

namespace RxSockets.Cli.Tests;

/// <summary><c>rxsockets serve --topics</c>: the messaging protocol for clients that offer <c>rxsockets.v1</c>, beside
/// the plain mode for the others. Driven with bare protocol frames, so the test sees what the server sends.</summary>
public class ServeTopicsTests
{
    [Test, CancelAfter(30_000)]
    public async Task ServeTopics_SubscribePublishRecoverAndRequest_AndPlainClientsStillEcho(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--topics", "--history", "10");
        await using var _ = serve;
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add(ProtocolCodec.SubProtocol);
        await using var publisher = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);
        await using var plain = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);

        for (var id = 1; id <= 3; id++)
        {
            await publisher.SendAsync(Frame(new ProtocolFrame(FrameKind.Publish) { Id = id, Topic = "news", Payload = Message.Text($"n{id}") }), cancellationToken);
        }

        await publisher.SendAsync(Frame(new ProtocolFrame(FrameKind.Request) { Id = 4, Payload = Message.Text("ping") }), cancellationToken);
        var answers = (await CliServe.ReadAsync(publisher, 4, cancellationToken)).Select(Decode).ToList();
        await using var late = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);
        var epoch = answers[0].Position!.Value.Epoch;
        await late.SendAsync(Frame(new ProtocolFrame(FrameKind.Subscribe) { Id = 1, Topic = "news", Position = new TopicPosition(1, epoch) }), cancellationToken);
        var recovered = (await CliServe.ReadAsync(late, 3, cancellationToken)).Select(Decode).ToList();
        await plain.SendAsync("plain", cancellationToken);

        Assert.That(answers.Take(3).Select(a => (a.Kind, a.Position!.Value.Offset)), Is.EqualTo(new[] { (FrameKind.PublishAck, 1L), (FrameKind.PublishAck, 2L), (FrameKind.PublishAck, 3L) }));
        Assert.That((answers[3].Kind, answers[3].Payload!.Value.GetText()), Is.EqualTo((FrameKind.Reply, "ping")));
        Assert.That(recovered.Select(f => (f.Kind, f.Payload?.GetText())), Is.EqualTo(new[] { (FrameKind.Publication, "n2"), (FrameKind.Publication, "n3"), (FrameKind.Subscribed, (string?)null) }));
        Assert.That(await CliServe.ReadTextsAsync(plain, 1, cancellationToken), Is.EqualTo(new[] { "plain" }));
        Assert.That(late.SubProtocol, Is.EqualTo("rxsockets.v1"));
    }

    [TestCase("--history", "5", TestName = "Serve_HistoryWithoutTopicOrTopics_IsAUsageError")]
    [TestCase("--echo", "--positions", TestName = "Serve_PositionsWithoutTopic_IsAUsageError")]
    [CancelAfter(30_000)]
    public async Task Serve_MisusedTopicFlags_AreUsageErrors(string first, string second, CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start("serve", "--port", "0", first, second);

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That((exitCode, cli.Stderr), Is.EqualTo((2, cli.Stderr)));
        Assert.That(cli.Stderr, Does.StartWith("error: option --"));
    }

    private static Message Frame(ProtocolFrame frame) => ProtocolCodec.Encode(frame);

    private static ProtocolFrame Decode(Message message)
    {
        Assert.That(ProtocolCodec.TryDecode(message, out var frame, out var error), Is.True, error);
        return frame!;
    }
}
