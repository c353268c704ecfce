using System.Net.Sockets;

namespace RxSockets.Tests.Support;

/// <summary>One proxied connection of the <see cref="ChaosProxy"/>: two sockets, two pumps, and at most one fault
/// that fires once <c>budget</c> bytes (both directions together) have been forwarded.</summary>
internal sealed class ChaosLink(Socket client, Socket server, ChaosFault? fault, long budget, Random random)
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _budget = budget;
    private int _closed;

    public async Task RunAsync()
    {
        await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));
        Close(reset: false);
    }

    /// <summary>Closes both sides; ends a stall too.</summary>
    public void Close(bool reset)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        foreach (var socket in new[] { client, server })
        {
            try
            {
                if (reset)
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
            }
            catch (SocketException)
            {
                // The peer reset it first: it is gone either way.
            }

            socket.Dispose();
        }

        _stalled.TrySetResult();
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    // An orderly end of one direction is passed on as such (not a fault): half-close the other side.
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                var (allowed, fire) = Take(read);
                if (!fire)
                {
                    await SendAllAsync(to, buffer.AsMemory(0, read));
                    continue;
                }

                switch (fault)
                {
                    case ChaosFault.Stall:
                        await SendAllAsync(to, buffer.AsMemory(0, allowed));
                        await _stalled.Task;   // neither reads nor forwards until the proxy or the test closes the link
                        return;
                    case ChaosFault.Truncate:
                        await SendAllAsync(to, buffer.AsMemory(0, Math.Max(1, allowed)));
                        Close(reset: false);
                        return;
                    default:
                        await SendAllAsync(to, buffer.AsMemory(0, read));
                        Close(reset: true);
                        return;
                }
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            Close(reset: false);
        }
    }

    /// <summary>How many of <paramref name="count"/> bytes go before the fault, and whether the fault fires now.
    /// Once fired (a stall), the other pump fires too on its next read.</summary>
    private (int Allowed, bool Fire) Take(int count)
    {
        lock (_gate)
        {
            if (fault is null || _budget > count)
            {
                _budget -= count;
                return (count, false);
            }

            var allowed = (int)Math.Max(0, _budget);
            _budget = 0;
            return (fault == ChaosFault.Truncate ? random.Next(0, Math.Max(1, allowed)) : allowed, true);
        }
    }

    private static async Task SendAllAsync(Socket to, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = await to.SendAsync(data, SocketFlags.None);
            data = data[sent..];
        }
    }
}
