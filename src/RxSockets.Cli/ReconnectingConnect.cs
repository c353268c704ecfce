using System.Text;

namespace RxSockets.Cli;

/// <summary><c>rxsockets connect --reconnect</c>: the same printing and sending as <see cref="ConnectCommand"/>, over a
/// <see cref="WebSocketClient"/> that reconnects and reports each reconnect on stderr.</summary>
internal static class ReconnectingConnect
{
    public static async Task<int> RunAsync(ConnectSettings settings, WebSocketClientOptions options, Task shutdown)
    {
        var client = new WebSocketClient(settings.Url, options, settings.Resilience.ToReconnectOptions());
        await using (client.ConfigureAwait(false))
        {
            var closed = new TaskCompletionSource<ClientClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var reporting = client.Events.Subscribe(new ClientEventReporter(closed));
            var printing = Task.Run(() => PrintAsync(client));
            try
            {
                await client.StartAsync().ConfigureAwait(false);
            }
            catch (Exception) when (closed.Task.IsCompleted)
            {
                // The client gave up or was refused before opening; the reporter printed why.
                return ExitCodes.Failure;
            }

            var stdinEnded = Task.Run(() => SendLinesAsync(client, settings.Wait, closed.Task));
            var first = await Task.WhenAny(closed.Task, stdinEnded, shutdown).ConfigureAwait(false);
            if (first != closed.Task)
            {
                await client.StopAsync().ConfigureAwait(false);
                await client.DisposeAsync().ConfigureAwait(false);
                await printing.ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var end = await closed.Task.ConfigureAwait(false);
            await client.DisposeAsync().ConfigureAwait(false);
            await printing.ConfigureAwait(false);
            return ClientEventReporter.ExitCode(end);
        }
    }

    private static async Task PrintAsync(WebSocketClient client)
    {
        await foreach (var message in client.ReadAllAsync().ConfigureAwait(false))
        {
            await Console.Out.WriteLineAsync(MessageFormat.Describe(message)).ConfigureAwait(false);
        }
    }

    private static async Task SendLinesAsync(WebSocketClient client, TimeSpan wait, Task closed)
    {
        using var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        try
        {
            while (await stdin.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                await client.SendAsync(line).ConfigureAwait(false);
            }

            // Replies to the last lines are still on their way: stopping at once would cut them off.
            await Task.WhenAny(Task.Delay(wait), closed).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The client ended first; the rest of stdin has nowhere to go.
        }
    }
}
