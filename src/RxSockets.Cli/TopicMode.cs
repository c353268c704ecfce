using RxSockets.Scaling;

namespace RxSockets.Cli;

/// <summary>
/// <c>serve --topic NAME</c>: every client joins one topic (from the position in its <c>?since=OFFSET@EPOCH</c> query,
/// when it gives one) and every message it sends is published to the topic's other members, on every node with
/// <c>--backplane</c>. With <c>--positions</c> each text publication goes out as <c>"OFFSET@EPOCH TEXT"</c> and a gap
/// as <c>"gap REASON LAST CURRENT"</c>, so a client can come back from where it was.
/// </summary>
internal static class TopicMode
{
    public static TopicOptions Options(ServeSettings settings) => new()
    {
        HistorySize = settings.History,
        HistoryTtl = settings.HistoryTtl,
        Format = settings.Positions ? WithPosition : null,
        GapNotice = settings.Positions ? gap => Message.Text($"gap {gap.Reason} {gap.LastPosition} {gap.CurrentPosition}") : null,
    };

    /// <summary>Logs the joins and leaves of other nodes' members to stderr (this node's are the connected and
    /// disconnected lines).</summary>
    public static IDisposable WatchRemoteMembers(WebSocketServer server, ServeSettings settings) =>
        server.Topic(settings.Topic!).Membership.Subscribe(change =>
        {
            if (!change.IsLocal)
            {
                Console.Error.WriteLine($"remote {(change.Joined ? "joined" : "left")} {change.Member}");
            }
        });

    public static async Task RelayAsync(WebSocketServer server, WebSocketConnection connection, ServeSettings settings)
    {
        await using (connection.ConfigureAwait(false))
        {
            var topic = server.Topic(settings.Topic!);
            TopicPosition? since = TopicPosition.TryParse(connection.Request?.GetQueryValue("since"), out var position) ? position : null;
            try
            {
                await topic.JoinAsync(connection, since).ConfigureAwait(false);
                await foreach (var message in connection.ReadAllAsync().ConfigureAwait(false))
                {
                    try
                    {
                        await topic.PublishAsync(message, except: connection).ConfigureAwait(false);
                    }
                    catch (BackplaneUnavailableException error)
                    {
                        // This node's members had it; the others are told of the gap by their node.
                        await Console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
                    }
                }
            }
            catch (ConnectionClosedException)
            {
                // The client went away: it has left the topic.
            }
            catch (BackplaneUnavailableException error)
            {
                await Console.Error.WriteLineAsync($"error: connection #{connection.Id} could not join: {error.Message}").ConfigureAwait(false);
                await connection.CloseAsync(CloseCode.TryAgainLater, "backplane unavailable").ConfigureAwait(false);
            }
        }
    }

    private static Message WithPosition(TopicPublication publication) =>
        publication.Message.IsText ? Message.Text($"{publication.Position} {publication.Message.GetText()}") : publication.Message;
}
