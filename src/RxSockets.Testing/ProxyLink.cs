using System.Net.Sockets;

namespace RxSockets.Testing;

/// <summary>One connection through a <see cref="FaultProxy"/>: the client's socket, the upstream socket, and a pump
/// each way that obeys the proxy's faults.</summary>
internal sealed class ProxyLink(FaultProxy proxy, Socket client, Socket upstream)
{
    private int _closed;

    public async Task RunAsync()
    {
        await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client)).ConfigureAwait(false);
        Close(reset: false);
    }

    /// <summary>Closes both sockets; with <paramref name="reset"/>, as a reset (RST), not an orderly end.</summary>
    public void Close(bool reset)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        foreach (var socket in new[] { client, upstream })
        {
            FaultProxy.Close(socket, reset);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);   // an orderly end is passed on as such
                    return;
                }

                // Stalled: hold the bytes and stop reading, so the sender's buffers fill as behind a silent network.
                await proxy.WhenFlowingAsync().ConfigureAwait(false);
                if (Volatile.Read(ref _closed) == 1)
                {
                    return;
                }

                if (proxy.IsDropping)
                {
                    continue;
                }

                var data = buffer.AsMemory(0, read);
                while (!data.IsEmpty)
                {
                    data = data[await to.SendAsync(data, SocketFlags.None).ConfigureAwait(false)..];
                }
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            Close(reset: true);   // one side failed: the other sees a reset, as through a real middlebox that lost state
        }
    }
}
