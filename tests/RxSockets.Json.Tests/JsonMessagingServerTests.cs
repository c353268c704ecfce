using System.Text.Json;

namespace RxSockets.Json.Tests;

/// <summary>Typed JSON request handlers on the messaging server, spoken to with hand-written <c>rxsockets.v1</c> frames
/// (the README's wire format), as a client in another language would.</summary>
public class JsonMessagingServerTests
{
    public sealed record Add(int A, int B);

    public sealed record Sum(int Value);

    [Test, CancelAfter(10_000)]
    public async Task MapRequest_RoutedByTheTypeName_RepliesTypedJson_BadJsonIsABadRequest(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { Messaging = new MessagingServerOptions() };
        options.Messaging.MapRequest<Add, Sum>((add, _, _) => ValueTask.FromResult(new Sum(add.A + add.B)));
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var client = new WebSocketClientOptions();
        client.SubProtocols.Add("rxsockets.v1");
        await using var connection = await WebSocketConnection.ConnectAsync(server.Url, client, cancellationToken);

        await connection.SendAsync("{\"t\":\"req\",\"id\":1,\"name\":\"Add\"}\n{\"A\":2,\"B\":40}", cancellationToken);
        await connection.SendAsync("{\"t\":\"req\",\"id\":2,\"name\":\"Add\"}\n{\"A\":", cancellationToken);
        var reader = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var answers = new Dictionary<long, (JsonElement Header, string Payload)>();
        while (answers.Count < 2 && await reader.MoveNextAsync())
        {
            var text = reader.Current.GetText();
            var header = JsonDocument.Parse(text[..text.IndexOf('\n', StringComparison.Ordinal)]).RootElement;
            answers[header.GetProperty("id").GetInt64()] = (header, text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        }

        Assert.That((answers[1].Header.GetProperty("t").GetString(), answers[1].Payload), Is.EqualTo(("res", "{\"Value\":42}")));
        Assert.That(answers[2].Header.GetProperty("t").GetString(), Is.EqualTo("err"));
        Assert.That(answers[2].Header.GetProperty("code").GetString(), Is.EqualTo(MessagingErrorCodes.BadRequest));
        Assert.That(answers[2].Header.GetProperty("reason").GetString(), Does.StartWith("not a valid Add"));
    }
}
