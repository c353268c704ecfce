using System.Collections.Concurrent;

namespace RxSockets.Topics;

/// <summary>A server's topics by name, created on first use with the options
/// <see cref="WebSocketServerOptions.ConfigureTopic"/> gives them, on the server's node, framing for protocol members
/// with <paramref name="protocol"/>. Thread-safe and lock-free.</summary>
internal sealed class TopicRegistry(ITopicNode node, ITopicProtocol protocol, Func<string, TopicOptions?>? configure, Action<Exception> onObserverFault)
{
    private readonly ConcurrentDictionary<string, WebSocketTopic> _topics = new(StringComparer.Ordinal);

    public IReadOnlyCollection<WebSocketTopic> Snapshot => [.. _topics.Values];

    public WebSocketTopic GetOrAdd(string name) =>
        _topics.TryGetValue(name, out var topic) ? topic : _topics.GetOrAdd(name, Create);

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WebSocketTopic? topic) =>
        _topics.TryGetValue(name, out topic);

    /// <summary>Forgets an empty topic; false when it has members or does not exist.</summary>
    public bool TryRemoveEmpty(string name)
    {
        if (_topics.TryGetValue(name, out var topic) && topic.Count == 0 && _topics.TryRemove(new KeyValuePair<string, WebSocketTopic>(name, topic)))
        {
            topic.Unsubscribe();
            return true;
        }

        return false;
    }

    private WebSocketTopic Create(string name)
    {
        var options = configure?.Invoke(name);
        options?.Validate($"{nameof(WebSocketServerOptions.ConfigureTopic)}(\"{name}\")");
        return new WebSocketTopic(name, node, protocol, options?.Clone(), onObserverFault);
    }
}
