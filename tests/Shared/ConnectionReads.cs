namespace RxSockets.Tests.Shared;

/// <summary>Reading what a test's client connection receives (linked into the test projects that need it).</summary>
internal static class ConnectionReads
{
    /// <summary>The next <paramref name="count"/> messages the client receives.</summary>
    public static async Task<List<Message>> ReadAsync(this WebSocketConnection client, int count, CancellationToken cancellationToken)
    {
        var received = new List<Message>(count);
        if (count == 0)
        {
            return received;
        }

        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            received.Add(message);
            if (received.Count == count)
            {
                break;
            }
        }

        return received;
    }

    /// <summary>The next <paramref name="count"/> messages the client receives, as text.</summary>
    public static async Task<List<string>> ReadTextsAsync(this WebSocketConnection client, int count, CancellationToken cancellationToken) =>
        [.. (await client.ReadAsync(count, cancellationToken)).Select(message => message.GetText())];
}
