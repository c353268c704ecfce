using System.Text;

namespace RxSockets.Messaging;

// The topics: subscribing each one wanted (again on every connection, from its position), unsubscribing the unwanted,
// and handing the server's publications, gaps and answers to them.
internal sealed partial class ClientMessaging
{
    public ClientTopic Topic(string name)
    {
        CheckTopic(name, nameof(name));
        lock (Gate)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                topic = new ClientTopic(this, name);
                if (_disposed)
                {
                    topic.End();
                }

                _topics.Add(name, topic);
            }

            return topic;
        }
    }

    /// <summary>A topic's first observer arrived: subscribe it live now if connected (else on the next connection).
    /// Called under <see cref="Gate"/>.</summary>
    internal void Wanted(ClientTopic topic)
    {
        if (_connection is { } connection && topic.State is SubscriptionState.None or SubscriptionState.Unsubscribing)
        {
            _outbound.AddLast(new Outbound(ProtocolCodec.Encode(SubscribeFrame(topic, null)), 0, null, connection));
            Wake();
        }
    }

    /// <summary>A topic's last observer left: unsubscribe it if subscribed. Called under <see cref="Gate"/>.</summary>
    internal void Unwanted(ClientTopic topic)
    {
        if (_connection is { } connection && topic.State is SubscriptionState.Subscribing or SubscriptionState.Subscribed)
        {
            var id = _requests.NextId();
            topic.State = SubscriptionState.Unsubscribing;
            topic.PendingId = id;
            _topicAnswers[id] = topic;
            _outbound.AddLast(new Outbound(ProtocolCodec.Encode(new ProtocolFrame(FrameKind.Unsubscribe) { Id = id, Topic = topic.Name }), 0, null, connection));
            Wake();
        }
    }

    private static void CheckTopic(string name, string parameter)
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > ProtocolCodec.MaxTopicBytes)
        {
            throw new ArgumentException($"A topic name is 1 to {ProtocolCodec.MaxTopicBytes} UTF-8 bytes.", parameter);
        }
    }

    private static TopicGapReason GapReason(string? reason) => reason switch
    {
        "trimmed" => TopicGapReason.HistoryTrimmed,
        "epoch" => TopicGapReason.EpochChanged,
        _ => TopicGapReason.BackplaneLost,
    };

    /// <summary>A <c>sub</c> for the topic (registered as its pending answer). Called under <see cref="Gate"/>.</summary>
    private ProtocolFrame SubscribeFrame(ClientTopic topic, TopicPosition? from)
    {
        var id = _requests.NextId();
        topic.State = SubscriptionState.Subscribing;
        topic.PendingId = id;
        _topicAnswers[id] = topic;
        return new ProtocolFrame(FrameKind.Subscribe) { Id = id, Topic = topic.Name, Position = from };
    }

    private async ValueTask OnPublicationAsync(ProtocolFrame frame, CancellationToken cancellationToken)
    {
        ClientTopic.Sink[]? sinks = null;
        ClientTopic? topic;
        lock (Gate)
        {
            if (_topics.TryGetValue(frame.Topic!, out topic))
            {
                sinks = topic.Accept(frame.Position!.Value);
            }
        }

        if (sinks is not null)
        {
            await topic!.DeliverAsync(sinks, frame.Payload ?? Message.Text(""), cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnGap(ProtocolFrame frame)
    {
        ClientTopicGap gap;
        ClientTopic? topic;
        lock (Gate)
        {
            if (!_topics.TryGetValue(frame.Topic!, out topic) || !topic.Wanted)
            {
                return;
            }

            gap = new ClientTopicGap(_now(), topic.Name, frame.Position!.Value, frame.Current!.Value, GapReason(frame.Reason));
            topic.Stand(gap.CurrentPosition);
        }

        topic.ReportGap(gap);
        _publish(gap);
    }

    /// <summary>A <c>subok</c>, <c>unsubok</c> or <c>err</c> answering a topic's <c>sub</c> or <c>unsub</c>.</summary>
    /// <returns>False when the id is no topic's (an <c>err</c> answering a request).</returns>
    private bool OnTopicAnswer(ProtocolFrame frame)
    {
        ClientTopic.Sink[] refused;
        lock (Gate)
        {
            if (!_topicAnswers.Remove(frame.Id, out var topic))
            {
                return frame.Kind != FrameKind.Error;
            }

            if (topic.PendingId != frame.Id)
            {
                return true;   // superseded by a later sub or unsub of the topic
            }

            switch (frame.Kind, topic.State)
            {
                case (FrameKind.Subscribed, SubscriptionState.Subscribing):
                    topic.State = SubscriptionState.Subscribed;
                    topic.Stand(frame.Position!.Value);
                    return true;
                case (FrameKind.Error, SubscriptionState.Subscribing):
                    topic.State = SubscriptionState.None;
                    refused = topic.TakeAll();
                    break;
                case (FrameKind.Unsubscribed or FrameKind.Error, SubscriptionState.Unsubscribing):
                    topic.State = SubscriptionState.None;
                    return true;
                default:
                    return true;
            }
        }

        ClientTopic.Terminate(refused, new RequestFailedException(frame.Code!, frame.Reason));
        return true;
    }
}
