using System.Net;
using System.Net.Sockets;

namespace RxSockets.Cli.Tests.Support;

/// <summary>A fault the <see cref="FaultProxy"/> injects into one proxied connection, on the server-to-client side.</summary>
public enum ProxyFault
{
    /// <summary>Forwards whole frames up to the byte budget, then resets both sides.</summary>
    Reset,

    /// <summary>Forwards whole frames up to the byte budget, then forwards nothing more either way and closes nothing.</summary>
    Stall,

    /// <summary>Forwards whole frames up to the byte budget, then half of the next frame, then closes both sides.</summary>
    Truncate,

    /// <summary>Forwards everything until the server's close frame, of which it forwards one byte, then resets.</summary>
    CutClose,
}

/// <summary>
/// A scripted fault-injecting TCP proxy on 127.0.0.1 for one WebSocket server: the n-th accepted connection gets the
/// n-th fault of the plan, later ones forward cleanly. It parses the server's frames (after the HTTP answer) so that
/// faults land on frame boundaries, mid-frame or on the close frame as planned; the client's bytes pass untouched.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _upstream;
    private readonly (ProxyFault Kind, long Budget)[] _plan;
    private readonly List<Task> _links = [];
    private readonly List<Socket> _sockets = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;
    private int _fired;

    public FaultProxy(Uri upstream, params (ProxyFault Kind, long Budget)[] plan)
    {
        _upstream = new IPEndPoint(IPAddress.Loopback, upstream.Port);
        _plan = plan;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        _accepting = AcceptAsync();
    }

    /// <summary>The faults that fired so far.</summary>
    public int Fired => Volatile.Read(ref _fired);

    /// <summary>The same URL, through the proxy.</summary>
    public Uri Rewrite(Uri url) => new UriBuilder(url) { Host = "127.0.0.1", Port = ((IPEndPoint)_listener.LocalEndPoint!).Port }.Uri;

    public async ValueTask DisposeAsync()
    {
        _stopped.TrySetResult();
        _listener.Dispose();
        await _accepting;
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        Task[] links;
        lock (_links)
        {
            links = [.. _links];
        }

        await Task.WhenAll(links);
    }

    private async Task AcceptAsync()
    {
        for (var index = 0; ; index++)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync();
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            try
            {
                await server.ConnectAsync(_upstream);
            }
            catch (SocketException)
            {
                client.Dispose();
                continue;
            }

            (ProxyFault Kind, long Budget)? fault = index < _plan.Length ? _plan[index] : null;
            lock (_links)
            {
                _links.Add(LinkAsync(client, server, fault));
            }
        }
    }

    private async Task LinkAsync(Socket client, Socket server, (ProxyFault Kind, long Budget)? fault)
    {
        var stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Task.WhenAll(UpstreamAsync(client, server, stall.Task), DownstreamAsync(server, client, fault, stall));
        Close(client, server, reset: false);
    }

    /// <summary>Client to server, untouched, until a stall or an end.</summary>
    private async Task UpstreamAsync(Socket from, Socket to, Task stalled)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var reading = from.ReceiveAsync(buffer, SocketFlags.None);
                if (await Task.WhenAny(reading, stalled) != reading)
                {
                    await _stopped.Task;           // the stall lasts until the proxy is disposed, which closes the sockets
                    await Task.WhenAny(reading);   // ends with the sockets; how is of no interest
                    _ = reading.Exception;
                    return;
                }

                var read = await reading;
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            Close(from, to, reset: false);
        }
    }

    /// <summary>Server to client, frame by frame, with the planned fault.</summary>
    private async Task DownstreamAsync(Socket from, Socket to, (ProxyFault Kind, long Budget)? fault, TaskCompletionSource stall)
    {
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        var inHead = true;
        var forwarded = 0L;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    await to.SendAsync(pending.ToArray(), SocketFlags.None);
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                pending.AddRange(buffer.AsSpan(0, read));
                if (inHead)
                {
                    var end = IndexOfHeadEnd(pending);
                    if (end < 0)
                    {
                        continue;
                    }

                    forwarded += await ForwardAsync(to, pending, end);
                    inHead = false;
                }

                while (FrameLength(pending) is { } length)
                {
                    var isClose = (pending[0] & 0x0F) == 0x8;
                    if (fault is { Kind: ProxyFault.CutClose } && isClose)
                    {
                        await ForwardAsync(to, pending, 1);
                        Interlocked.Increment(ref _fired);
                        Close(from, to, reset: true);
                        return;
                    }

                    if (fault is { } planned && planned.Kind != ProxyFault.CutClose && forwarded + length > planned.Budget)
                    {
                        Interlocked.Increment(ref _fired);
                        switch (planned.Kind)
                        {
                            case ProxyFault.Stall:
                                stall.TrySetResult();
                                await _stopped.Task;
                                return;
                            case ProxyFault.Truncate:
                                await ForwardAsync(to, pending, Math.Max(1, length / 2));
                                Close(from, to, reset: false);
                                return;
                            default:
                                Close(from, to, reset: true);
                                return;
                        }
                    }

                    forwarded += await ForwardAsync(to, pending, length);
                }
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            Close(from, to, reset: false);
        }
    }

    private static async Task<int> ForwardAsync(Socket to, List<byte> pending, int count)
    {
        var chunk = pending.GetRange(0, count).ToArray();
        pending.RemoveRange(0, count);
        for (var sent = 0; sent < chunk.Length;)
        {
            sent += await to.SendAsync(chunk.AsMemory(sent), SocketFlags.None);
        }

        return count;
    }

    /// <summary>The length of the HTTP answer including its blank line, or −1 while incomplete.</summary>
    private static int IndexOfHeadEnd(List<byte> data)
    {
        for (var i = 3; i < data.Count; i++)
        {
            if (data[i - 3] == '\r' && data[i - 2] == '\n' && data[i - 1] == '\r' && data[i] == '\n')
            {
                return i + 1;
            }
        }

        return -1;
    }

    /// <summary>The length of the first whole frame in <paramref name="data"/>, or null while incomplete.</summary>
    private static int? FrameLength(List<byte> data)
    {
        if (data.Count < 2)
        {
            return null;
        }

        var header = 2;
        long payload = data[1] & 0x7F;
        if (payload == 126)
        {
            header = 4;
            payload = data.Count < header ? 0 : (data[2] << 8) | data[3];
        }
        else if (payload == 127)
        {
            header = 10;
            payload = 0;
            for (var i = 2; i < 10 && i < data.Count; i++)
            {
                payload = (payload << 8) | data[i];
            }
        }

        header += (data[1] & 0x80) != 0 ? 4 : 0;
        var total = header + payload;
        return data.Count >= header && data.Count >= total ? (int)total : null;
    }

    private static void Close(Socket a, Socket b, bool reset)
    {
        foreach (var socket in new[] { a, b })
        {
            try
            {
                if (reset)
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException)
            {
                // Gone already.
            }

            socket.Dispose();
        }
    }
}
