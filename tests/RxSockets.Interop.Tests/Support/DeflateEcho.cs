using System.Text;

namespace RxSockets.Interop.Tests.Support;

/// <summary>The permessage-deflate echo exchange shared by the node <c>ws</c> and python <c>websockets</c> interop
/// tests: every echo case plus a large compressible text and binary message, sent one at a time and then all again in
/// a burst, so context takeover spans many messages.</summary>
public static class DeflateEcho
{
    /// <summary>Large enough for the 16 MiB echo case and the compressible messages.</summary>
    public const long MaxMessageSize = 64 * 1024 * 1024;

    /// <summary>About 1.6 MB of repetitive JSON: deflate shrinks it a lot.</summary>
    public static byte[] LargeCompressible { get; } =
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"type\":\"tick\",\"price\":101.25,\"volume\":3} ", 40_000)));

    /// <summary>The echo cases, then <see cref="LargeCompressible"/> as text and as binary.</summary>
    public static List<Message> Messages() =>
        [.. InteropScenarios.EchoCases.Select(c => c.ToMessage()), Message.Text(Encoding.UTF8.GetString(LargeCompressible)), Message.Binary(LargeCompressible)];

    /// <summary>Sends <paramref name="sent"/> one at a time (awaiting each echo), then all again in a burst; returns
    /// the echoes in order (twice as many as sent).</summary>
    public static async Task<List<Message>> OneByOneThenBurstAsync(WebSocketConnection connection, IReadOnlyList<Message> sent,
        CancellationToken cancellationToken)
    {
        var received = new List<Message>();
        foreach (var message in sent)
        {
            await connection.SendAsync(message, cancellationToken);
            received.Add(await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken));
        }

        foreach (var message in sent)
        {
            await connection.SendAsync(message, cancellationToken);
        }

        received.AddRange(await connection.ReadAllAsync(cancellationToken).Take(sent.Count).ToListAsync(cancellationToken));
        return received;
    }

    /// <summary>Asserts that <paramref name="received"/> is <paramref name="sent"/> twice, type and bytes.</summary>
    public static void AssertEchoedTwice(IReadOnlyList<Message> received, IReadOnlyList<Message> sent, string describe)
    {
        Assert.That(received.Select(m => m.Type), Is.EqualTo(sent.Concat(sent).Select(m => m.Type)), describe);
        for (var i = 0; i < received.Count; i++)
        {
            Assert.That(received[i].Data.Span.SequenceEqual(sent[i % sent.Count].Data.Span), Is.True, $"message {i}: the echo's bytes differ");
        }
    }
}
