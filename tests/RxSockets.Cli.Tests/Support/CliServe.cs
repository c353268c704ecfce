using RxSockets.Tests.Shared;

namespace RxSockets.Cli.Tests.Support;

/// <summary>Starts <c>rxsockets serve --port 0 ...</c> and waits for its "listening on" line.</summary>
public static class CliServe
{
    public static Task<(CliProcess Process, Uri Url)> StartAsync(CancellationToken cancellationToken, params string[] mode) =>
        StartWithAsync([], cancellationToken, mode);

    /// <summary>As <see cref="StartAsync"/>, with extra environment variables.</summary>
    public static async Task<(CliProcess Process, Uri Url)> StartWithAsync(IEnumerable<KeyValuePair<string, string>> environment, CancellationToken cancellationToken,
        params string[] mode)
    {
        var process = CliProcess.StartWith(environment, ["serve", "--port", "0", .. mode]);
        var line = await process.ReadLineAsync(cancellationToken);
        if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
        {
            await process.DisposeAsync();
            throw new InvalidOperationException($"serve printed '{line}' instead of 'listening on'. stderr: {process.Stderr}");
        }

        return (process, new Uri(line["listening on ".Length..]));
    }

    /// <summary>Connects a client and waits until serve lists it: serve logs "connected" once the server does, so
    /// broadcasts from then on reach it.</summary>
    public static async Task<WebSocketConnection> ConnectListedAsync(CliProcess serve, Uri url, CancellationToken cancellationToken,
        WebSocketClientOptions? options = null)
    {
        var client = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);
        await serve.WaitForErrorLineAsync("connected #", cancellationToken);
        return client;
    }

    /// <summary>The next <paramref name="count"/> messages the client receives.</summary>
    public static Task<List<Message>> ReadAsync(WebSocketConnection client, int count, CancellationToken cancellationToken) =>
        client.ReadAsync(count, cancellationToken);

    /// <summary>The next <paramref name="count"/> messages the client receives, as text.</summary>
    public static Task<List<string>> ReadTextsAsync(WebSocketConnection client, int count, CancellationToken cancellationToken) =>
        client.ReadTextsAsync(count, cancellationToken);
}
