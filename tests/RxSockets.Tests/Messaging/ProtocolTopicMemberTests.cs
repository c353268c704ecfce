using RxSockets.Messaging;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Messaging;

/// <summary>A topic's messaging-protocol members (<c>rxsockets.v1</c>) beside its raw members: <c>p</c> frames with
/// the topic and the position, recovery from a position, and gaps as <c>gap</c> frames.</summary>
public class ProtocolTopicMemberTests
{
    private static WebSocketServer Server(int history, Func<TopicGap, Message?>? notice = null) =>
        Detached.Server(configure: options => options.ConfigureTopic = _ => new TopicOptions
        {
            HistorySize = history,
            Format = publication => Message.Text($"raw {publication.Offset}: {publication.Message.GetText()}"),
            GapNotice = notice,
        });

    private static async Task<ProtocolFrame> NextFrameAsync(RawPeer peer, CancellationToken cancellationToken)
    {
        var text = await peer.ExpectTextAsync(cancellationToken);
        Assert.That(ProtocolCodec.TryDecode(Message.Text(text), out var frame, out var error), Is.True, $"{error}: {text}");
        return frame!;
    }

    [Test, CancelAfter(10_000)]
    public async Task Publish_RawAndProtocolMembers_EachGetTheirOwnFrame(CancellationToken cancellationToken)
    {
        await using var server = Server(history: 10);
        var (raw, rawPeer) = await Detached.OpenAsync(server, cancellationToken);
        var (member, memberPeer) = await Detached.OpenAsync(server, cancellationToken);
        var prices = server.Topic("prices");
        await prices.JoinAsync(raw, cancellationToken: cancellationToken);
        await prices.JoinMemberAsync(member, null, protocol: true, cancellationToken);

        var delivered = await prices.PublishAsync("42.5", cancellationToken: cancellationToken);
        var frame = await NextFrameAsync(memberPeer, cancellationToken);

        Assert.That(delivered, Is.EqualTo(2));
        Assert.That(await rawPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("raw 1: 42.5"), "Format is for raw members");
        Assert.That((frame.Kind, frame.Topic, frame.Position, frame.Payload!.Value.GetText()),
            Is.EqualTo((FrameKind.Publication, "prices", prices.Position, "42.5")));
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinFromAPosition_ProtocolMember_RecoversPFramesThenGoesLive(CancellationToken cancellationToken)
    {
        await using var server = Server(history: 10);
        var feed = server.Topic("feed");
        for (var i = 1; i <= 3; i++)
        {
            await feed.PublishAsync($"m{i}", cancellationToken: cancellationToken);
        }

        var (member, memberPeer) = await Detached.OpenAsync(server, cancellationToken);
        var result = await feed.JoinMemberAsync(member, new TopicPosition(1, feed.Position.Epoch), protocol: true, cancellationToken);
        await feed.PublishAsync("m4", cancellationToken: cancellationToken);

        Assert.That((result.Recovered, result.Gap), Is.EqualTo((2, (TopicGap?)null)));
        for (var offset = 2; offset <= 4; offset++)
        {
            var frame = await NextFrameAsync(memberPeer, cancellationToken);
            Assert.That((frame.Position!.Value.Offset, frame.Payload!.Value.GetText()), Is.EqualTo(((long)offset, $"m{offset}")));
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinFromATrimmedPosition_ProtocolMemberGetsAGapFrame_RawMemberTheGapNotice(CancellationToken cancellationToken)
    {
        await using var server = Server(history: 2, notice: gap => Message.Text($"notice {gap.LastPosition.Offset}"));
        var feed = server.Topic("feed");
        for (var i = 1; i <= 5; i++)
        {
            await feed.PublishAsync($"m{i}", cancellationToken: cancellationToken);
        }

        var epoch = feed.Position.Epoch;
        var (member, memberPeer) = await Detached.OpenAsync(server, cancellationToken);
        var (raw, rawPeer) = await Detached.OpenAsync(server, cancellationToken);
        await feed.JoinMemberAsync(member, new TopicPosition(1, epoch), protocol: true, cancellationToken);
        await feed.JoinAsync(raw, new TopicPosition(1, epoch), cancellationToken);
        await feed.PublishAsync("m6", cancellationToken: cancellationToken);

        var gap = await NextFrameAsync(memberPeer, cancellationToken);
        var live = await NextFrameAsync(memberPeer, cancellationToken);

        Assert.That((gap.Kind, gap.Topic, gap.Position, gap.Current, gap.Reason),
            Is.EqualTo((FrameKind.Gap, "feed", (TopicPosition?)new TopicPosition(1, epoch), (TopicPosition?)new TopicPosition(5, epoch), "trimmed")));
        Assert.That((live.Kind, live.Payload!.Value.GetText()), Is.EqualTo((FrameKind.Publication, "m6")));
        Assert.That(await rawPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("notice 1"));
        Assert.That(await rawPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("raw 6: m6"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Leave_ProtocolMember_IsNoLongerDeliveredTo(CancellationToken cancellationToken)
    {
        await using var server = Server(history: 0);
        var (member, _) = await Detached.OpenAsync(server, cancellationToken);
        var (raw, rawPeer) = await Detached.OpenAsync(server, cancellationToken);
        var topic = server.Topic("t");
        await topic.JoinMemberAsync(member, null, protocol: true, cancellationToken);
        await topic.JoinAsync(raw, cancellationToken: cancellationToken);
        topic.Leave(member);

        var delivered = await topic.PublishAsync("x", cancellationToken: cancellationToken);

        Assert.That(delivered, Is.EqualTo(1));
        Assert.That(await rawPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("raw 1: x"));
    }
}
