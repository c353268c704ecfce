using System.Globalization;

namespace RxSockets.Examples;

/// <summary>Every example by name, with how to run it from the command line.</summary>
public static class ExampleCatalog
{
    /// <summary>The examples, in the order of the guide.</summary>
    public static IReadOnlyList<Example> All { get; } =
    [
        Client("basic-echo", "connect, send a message, print the echo", BasicEchoExample.RunAsync),
        Client("json", "send and receive typed JSON with RxSockets.Json", JsonExample.RunAsync),
        Client("json-routing", "route JSON by its type field; bad messages go to dead letters", JsonRoutingExample.RunAsync),
        new("timeout", "[url] [ms]", "bound the handshake and the reply wait with timeouts",
            (args, output, token) => ConnectionTimeoutExample.RunAsync(Url(args), Milliseconds(args, 1, 5_000), output, token)),
        Client("several-messages", "send several messages, collect their echoes", SeveralMessagesExample.RunAsync),
        Client("binary", "send and receive binary data", BinaryDataExample.RunAsync),
        Client("ping-pong", "measure round trips with PingAsync, watch Pongs", PingPongExample.RunAsync),
        Client("state-tracking", "follow Open, Closing, Closed through States", StateTrackingExample.RunAsync),
        Client("error-handling", "print a clear message when the host is unreachable", ErrorHandlingExample.RunAsync),
        Client("retry", "retry the connection with exponential backoff", RetryExample.RunAsync),
        Client("chat-reconnect", "a chat client that survives a server restart and sends what was typed meanwhile", ReconnectingChatExample.RunAsync),
        Client("dashboard", "a live dashboard read with await foreach across reconnections", DashboardExample.RunAsync),
        Client("notifications", "subprotocol + Authorization header, re-subscribing after every reconnect", NotificationsExample.RunAsync),
        Client("custom-headers", "send an Authorization header the server checks", CustomHeadersExample.RunAsync),
        Client("message-queue", "send the next message only after the previous reply", MessageQueueExample.RunAsync),
        new("trading-feed", "[rounds]", "binary ticks, GroupBy/Buffer/Sample VWAP, a slow widget kept current by ConflateByKey",
            (args, output, token) => TradingFeedExample.RunAsync(
                new TradingFeedOptions { Rounds = args.Count > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000 }, output, token)),
        new("echo-server", "[port]", "an echo server (Ctrl+C stops it)",
            (args, output, token) => EchoServerExample.RunAsync(Port(args), output, token)),
        new("chat-server", "[port]", "a chat server: welcome, joined/left notices, broadcast (Ctrl+C stops it)",
            (args, output, token) => ChatServerExample.RunAsync(Port(args), output, token)),
        new("chat-rooms", "[port] [...]",
            "a chat with rooms: /join, room messages, typing notices, member counts (Ctrl+C stops it); "
            + "processes on one Redis are one chat: " + ChatRoomsOptions.Usage,
            (args, output, token) => ChatRoomsExample.RunAsync(ChatRoomsOptions.Parse(args), output, token)),
        new("pubsub", "[port]", "a pub/sub broker on topics: subscribe, publish, unsubscribe (Ctrl+C stops it)",
            (args, output, token) => PubSubExample.RunAsync(Port(args), output, token)),
    ];

    /// <summary>Finds an example by name (case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <returns>The example, or null.</returns>
    public static Example? Find(string name) =>
        All.FirstOrDefault(example => string.Equals(example.Name, name, StringComparison.OrdinalIgnoreCase));

    private static Example Client(string name, string description, Func<Uri?, TextWriter, CancellationToken, Task> run) =>
        new(name, "[url]", description, (args, output, token) => run(Url(args), output, token));

    private static Uri? Url(IReadOnlyList<string> args) => args.Count > 0 ? new Uri(args[0]) : null;

    private static TimeSpan Milliseconds(IReadOnlyList<string> args, int index, int fallback) =>
        TimeSpan.FromMilliseconds(args.Count > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback);

    private static int Port(IReadOnlyList<string> args) => args.Count > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8080;
}
