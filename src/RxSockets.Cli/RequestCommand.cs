using System.Text;

namespace RxSockets.Cli;

/// <summary><c>rxsockets request</c>: one request over the messaging protocol, its reply printed.</summary>
internal static class RequestCommand
{
    public const string Usage = """
        Usage: rxsockets request URL [MESSAGE] [options]

        Sends one request over the messaging protocol (rxsockets.v1: an RxSockets server with messaging on, such as
        'rxsockets serve --topics') and prints the reply to stdout: text as is, binary as
          <binary N bytes: HEX>
        The request is MESSAGE, or, without it, all of stdin as one text (one trailing line break dropped, as the
        shell's $(…) does). The server routes it by --name to one of its handlers ('rxsockets serve --topics' answers
        a request without a name, or named echo, with the request itself, and one named time with its UTC time).

        An error answer prints "error: CODE: REASON" to stderr (codes: bad_request, forbidden, not_found, limit,
        timeout, unavailable, internal) and exits 1.

        Options:
          --name NAME                  the request's route on the server (default: none)
          --timeout T                  how long to wait for the reply, connecting included (default 30s)
          --keepalive-interval T       ping the server every T (default 20s)
          --keepalive-timeout T        declare the server dead when nothing arrives within T after a ping (default 20s)
          -H, --header "Name: value"   add a header to the upgrade request (repeatable)
          --max-message BYTES          largest message accepted (default 1048576)
          --max-fragments N            most frames per message, 0 = unlimited (default 1024)
          --deflate                    offer permessage-deflate compression (RFC 7692)
          --deflate-window-bits N      permessage-deflate with an LZ77 window of 2^N bytes (8..15) (implies --deflate)
          -k, --insecure               do not check the server's TLS certificate (like curl -k), for self-signed servers
          -h, --help                   show this help

        Exit codes: 0 reply printed, 1 connection failure, lost connection, error answer or timeout, 2 usage error.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader("request", args);
        var flags = new MessagingClientFlags("request", reconnectable: false);
        string? url = null;
        string? text = null;
        string? name = null;
        var timeout = TimeSpan.FromSeconds(30);
        while (reader.TryRead(out var token))
        {
            if (flags.TryRead(token, reader))
            {
                continue;
            }

            switch (token)
            {
                case "-h" or "--help":
                    await Console.Out.WriteAsync(Usage).ConfigureAwait(false);
                    return ExitCodes.Success;
                case "--name":
                    name = reader.Value();
                    break;
                case "--timeout":
                    timeout = reader.Time(allowZero: false);
                    break;
                case var positional when url is null && !ArgumentReader.IsOption(positional):
                    url = token;
                    break;
                case var positional when text is null && !ArgumentReader.IsOption(positional):
                    text = token;
                    break;
                default:
                    throw reader.Unknown(token);
            }
        }

        var uri = reader.Url(url);
        text ??= await ReadStdinAsync().ConfigureAwait(false);
        var client = flags.CreateClient(uri, new MessagingClientOptions { RequestTimeout = timeout });
        await using (client.ConfigureAwait(false))
        {
            var closed = new TaskCompletionSource<ClientClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var reporting = client.Events.Subscribe(new ClientEventReporter(closed, reportDisconnects: false, messaging: true, url: uri));
            if (!await MessagingClientFlags.StartAsync(client, closed.Task).ConfigureAwait(false))
            {
                return ExitCodes.Failure;
            }

            var request = client.RequestAsync(Message.Text(text), name).AsTask();
            if (await Task.WhenAny(request, closed.Task).ConfigureAwait(false) != request)
            {
                // The reporter printed how the connection ended; disposing the client fails the request.
                _ = request.ContinueWith(static task => _ = task.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return ExitCodes.Failure;
            }

            Message reply;
            try
            {
                reply = await request.ConfigureAwait(false);
            }
            catch (RequestFailedException error)
            {
                await Console.Error.WriteLineAsync($"error: {MessagingClientFlags.Describe(error)}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            catch (ConnectionClosedException error)
            {
                await Console.Error.WriteLineAsync($"error: connection lost before the reply: {error.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await Console.Out.WriteLineAsync(MessageFormat.Describe(reply)).ConfigureAwait(false);
            reporting.Dispose();
            await client.StopAsync().ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    /// <summary>All of stdin, less one trailing line break (<c>echo hi | rxsockets request …</c> sends "hi").</summary>
    private static async Task<string> ReadStdinAsync()
    {
        using var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        var text = await stdin.ReadToEndAsync().ConfigureAwait(false);
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2]
            : text.EndsWith('\n') ? text[..^1]
            : text;
    }
}
