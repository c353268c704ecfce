using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace RxSockets.Tests.Support;

/// <summary>A raw TCP listener on loopback that reads each request head, records it, writes the answer a script gives
/// for it (null: answer nothing and keep the connection open), and closes — for redirects and silent servers.</summary>
internal sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<string, string?> _answer;
    private readonly Channel<string> _requests = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = [];
    private readonly Task _loop;

    public ScriptedHttpServer(Func<string, string?> answer, IPAddress? address = null)
    {
        _answer = answer;
        _listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        _listener.Start();
        _loop = AcceptAllAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Url(string path = "/") => new($"ws://127.0.0.1:{Port}{path}");

    /// <summary>The next request head received (request line and headers, without the blank line).</summary>
    public Task<string> NextRequestAsync(CancellationToken cancellationToken) => _requests.Reader.ReadAsync(cancellationToken).AsTask();

    /// <summary>A redirect answer to <paramref name="location"/>.</summary>
    public static string Redirect(string location, int status = 302) =>
        $"HTTP/1.1 {status} Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

    /// <summary>The request line's target, such as <c>/a?x=1</c>.</summary>
    public static string Target(string request) => request.Split(' ')[1];

    private async Task AcceptAllAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream, _stop.Token);
                _requests.Writer.TryWrite(head);
                if (_answer(head) is { } answer)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
                    client.Dispose();
                }
                else
                {
                    _held.Add(client);
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or SocketException or InvalidOperationException)
        {
            // Stopped, or a client went away mid-request: the test sees it from its side.
        }
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var received = new StringBuilder();
        var buffer = new byte[1];
        while (!received.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal)
               && await stream.ReadAsync(buffer, cancellationToken) == 1)
        {
            received.Append((char)buffer[0]);
        }

        return received.ToString().TrimEnd();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        foreach (var client in _held)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }
}
