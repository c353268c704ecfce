using System.Net;
using System.Net.Sockets;

namespace RxSockets.Examples;

/// <summary>The server a client example talks to: the URL it was given, or else an in-process <see cref="EchoServer"/>.</summary>
public sealed class ExampleTarget : IAsyncDisposable
{
    private readonly EchoServer? _local;

    private ExampleTarget(Uri url, EchoServer? local)
    {
        Url = url;
        _local = local;
    }

    /// <summary>The URL to connect to.</summary>
    public Uri Url { get; }

    /// <summary>Uses <paramref name="url"/>, or starts an in-process echo server when it is null.</summary>
    /// <param name="url">The server to use, or null.</param>
    /// <param name="output">Where to say which server is used.</param>
    /// <param name="cancellationToken">Cancels starting the server.</param>
    /// <param name="serverOptions">Options of the in-process server, when one is started.</param>
    public static async Task<ExampleTarget> OpenAsync(Uri? url, TextWriter output, CancellationToken cancellationToken,
        WebSocketServerOptions? serverOptions = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (url is not null)
        {
            return new ExampleTarget(url, null);
        }

        var local = await EchoServer.StartAsync(serverOptions, output, cancellationToken);
        output.WriteLine($"No URL given: using an in-process echo server at {local.Url}");
        return new ExampleTarget(local.Url, local);
    }

    /// <summary>A loopback port that nothing listens on (it was free a moment ago).</summary>
    public static int UnusedLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Stops the in-process server, if one was started.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_local is not null)
        {
            await _local.DisposeAsync();
        }
    }
}
