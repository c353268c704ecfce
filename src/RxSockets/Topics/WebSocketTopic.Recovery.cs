using RxSockets.Topics;
using RxSockets.Transport;

namespace RxSockets;

// Joining from a position: the member is sent what it missed from the topic's history, then the live publications held
// for it meanwhile; what cannot be recovered is reported as a gap.
public sealed partial class WebSocketTopic
{
    private async ValueTask<TopicJoinResult> RecoverAsync(TopicMember member, TopicPosition since, CancellationToken cancellationToken)
    {
        var connection = member.Connection;
        if (since.Offset == 0 && since.Epoch.Length == 0)
        {
            since = since with { Epoch = (await _node.Backplane.GetPositionAsync(Name, cancellationToken).ConfigureAwait(false)).Epoch };
        }

        var sent = since;
        var recovered = 0;
        TopicGap? gap = null;
        var readHistory = true;
        while (true)
        {
            if (readHistory)
            {
                var page = await _node.Backplane.ReadHistoryAsync(Name, sent, cancellationToken).ConfigureAwait(false);
                if (page.Complete)
                {
                    foreach (var publication in page.Publications)
                    {
                        if (publication.Node == _node.NodeId && publication.Except == connection.Id)
                        {
                            sent = publication.Position;
                            continue;   // its own message: skipped live, skipped here too
                        }

                        if (!await SendAsync(connection, member.Protocol ? PrepareProtocol(publication) : Prepare(publication), cancellationToken).ConfigureAwait(false))
                        {
                            return new TopicJoinResult(true, recovered, sent, gap);   // closed meanwhile: it has left
                        }

                        sent = publication.Position;
                        recovered++;
                    }
                }
                else
                {
                    var reason = page.Position.Epoch != sent.Epoch ? TopicGapReason.EpochChanged : TopicGapReason.HistoryTrimmed;
                    var missed = new TopicGap(this, connection, sent, page.Position, reason);
                    gap ??= missed;
                    sent = page.Position;
                    await ReportGapAsync(missed, [member]).ConfigureAwait(false);
                }
            }

            // Then the live publications that arrived meanwhile, skipping those the history already gave; when there
            // were more than the member may keep, they were let go: read them from the history again.
            var held = member.TakeHeldOrGoLive(sent, out readHistory);
            if (held is null)
            {
                break;
            }

            if (readHistory)
            {
                continue;
            }

            foreach (var (publication, frame) in held)
            {
                if (publication.Offset > 0 && publication.Epoch == sent.Epoch && publication.Offset <= sent.Offset)
                {
                    continue;
                }

                if (!await SendAsync(connection, frame, cancellationToken).ConfigureAwait(false))
                {
                    return new TopicJoinResult(true, recovered, sent, gap);
                }

                if (publication.Offset > 0)
                {
                    sent = publication.Position;
                }
            }
        }

        return new TopicJoinResult(true, recovered, sent, gap);
    }

    private async Task ReportGapAsync(TopicGap gap, IReadOnlyCollection<TopicMember> members)
    {
        lock (_events)
        {
            _gaps.Next(gap);
        }

        Message? notice = null;
        try
        {
            notice = _options.GapNotice?.Invoke(gap);
        }
#pragma warning disable CA1031 // A user callback's failure is logged; the gap is still on Gaps.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.TopicFormatFailed(_node.Logger, Name, gap.LastPosition.Offset, error);
        }

        if (notice is { } message)
        {
            var frame = PreparedFrame.Create(message, _node.FragmentSize);
            await _node.DeliverAsync(frame, members.Where(m => !m.Protocol).Select(m => m.Connection), null, CancellationToken.None).ConfigureAwait(false);
        }

        // Protocol members are always told, in the protocol's own terms.
        if (members.Any(m => m.Protocol))
        {
            var frame = _protocol.Gap(gap, _node.FragmentSize);
            frame.DropCounter = this;
            await _node.DeliverAsync(frame, members.Where(m => m.Protocol).Select(m => m.Connection), null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a recovered publication to one member; false once the member's connection is no longer open (the
    /// recovery stops there rather than frame the rest of the history for nobody).</summary>
    private async ValueTask<bool> SendAsync(WebSocketConnection connection, PreparedFrame frame, CancellationToken cancellationToken) =>
        await _node.DeliverAsync(frame, [connection], null, cancellationToken).ConfigureAwait(false) > 0 || connection.State == ConnectionState.Open;
}
