using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace RxSockets.Bench.ScaleOutLoad;

/// <summary>
/// One subscriber connection: a receive loop that parses the server's (unmasked) frames straight out of each socket
/// read and checks every message's sequence number (a bit per number: duplicates, out-of-order arrivals and, at the
/// end, what never came), and, when it is one of the sampled connections, times publish → deliver during the measured
/// interval. Its counters are written by its own loop only and read by the run with <see cref="Volatile"/>.
/// </summary>
internal sealed class Subscriber
{
    private const int BufferSize = 64 * 1024;

    private readonly ScaleOutRun _run;
    private readonly bool _signalR;
    private readonly bool _sampled;
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong[] _seen = new ulong[64];
    private long _delivered;
    private long _distinct;
    private long _duplicates;
    private long _outOfOrder;
    private long _highest = -1;
    private long _progressToReport;
    private byte[]? _pong;
    private Socket? _socket;

    public Subscriber(ScaleOutRun run, bool signalR, bool sampled)
    {
        _run = run;
        _signalR = signalR;
        _sampled = sampled;
    }

    /// <summary>Completes when the node's welcome arrived (the subscription is in place).</summary>
    public Task Welcomed => _welcomed.Task;

    /// <summary>Publish → welcome receipt, in Stopwatch ticks: a check that the processes share a clock.</summary>
    public long WelcomeDelay { get; private set; }

    /// <summary>Messages received (duplicates included; welcome excluded).</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Different sequence numbers received.</summary>
    public long Distinct => Volatile.Read(ref _distinct);

    public long Duplicates => Volatile.Read(ref _duplicates);

    public long OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>Publish → deliver times in Stopwatch ticks, of messages received during the measured interval (sampled
    /// connections only).</summary>
    public List<long> Latencies { get; } = [];

    /// <summary>Why the connection ended before the run did; null while it is fine.</summary>
    public string? Error { get; private set; }

    /// <summary>Connects, and runs the receive loop until the socket is closed or fails.</summary>
    public async Task<Task> StartAsync(Uri url, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        var (socket, leftover) = await RawWebSocket.ConnectAsync(url, buffer, cancellationToken);
        _socket = socket;
        if (_signalR)
        {
            await socket.SendAsync(RawWebSocket.Frame(1, "{\"protocol\":\"json\",\"version\":1}\u001e"u8), SocketFlags.None, cancellationToken);
        }

        return Task.Run(() => ReceiveLoopAsync(socket, buffer, leftover), CancellationToken.None);
    }

    /// <summary>Ends the connection (at the end of the run: the run sets <see cref="ScaleOutRun.Closing"/> first).</summary>
    public void Abort() => _socket?.Dispose();

    private async Task ReceiveLoopAsync(Socket socket, byte[] buffer, int end)
    {
        using var owned = socket;
        var start = 0;
        try
        {
            while (true)
            {
                start = Parse(buffer, start, end);
                if (_progressToReport > 0)
                {
                    _run.Control.AddProgress(_progressToReport);
                    _progressToReport = 0;
                }

                if (_pong is { } pong)
                {
                    _pong = null;
                    await socket.SendAsync(pong, SocketFlags.None);
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (end == buffer.Length)
                {
                    if (start == 0)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    else
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
                if (read == 0)
                {
                    Fail("the server closed the TCP connection");
                    return;
                }

                end += read;
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or IOException or InvalidDataException)
        {
            Fail(error.Message);
        }
    }

    /// <summary>Handles every whole frame in buffer[start..end); returns where the first incomplete one starts.</summary>
    private int Parse(byte[] buffer, int start, int end)
    {
        while (end - start >= 2)
        {
            var first = buffer[start];
            var second = buffer[start + 1];
            long length = second & 0x7F;
            var header = 2;
            if (length == 126)
            {
                if (end - start < 4)
                {
                    break;
                }

                length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(start + 2));
                header = 4;
            }
            else if (length == 127)
            {
                if (end - start < 10)
                {
                    break;
                }

                length = BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(start + 2));
                header = 10;
            }

            if ((second & 0x80) != 0 || length > 16 * 1024 * 1024)
            {
                throw new InvalidDataException("masked or oversized frame from the server");
            }

            if (end - start < header + length)
            {
                break;
            }

            var payload = buffer.AsSpan(start + header, (int)length);
            start += header + (int)length;
            var opcode = first & 0x0F;
            if ((first & 0x80) == 0 || opcode == 0)
            {
                throw new InvalidDataException("fragmented message (not expected for small messages)");
            }

            switch (opcode)
            {
                case 1 when _signalR:
                    OnSignalRFrame(payload);
                    break;
                case 2 when !_signalR:
                    if (ScaleOutPayload.TryReadBinary(payload, out var sequence, out var timestamp))
                    {
                        OnMessage(sequence, timestamp);
                    }

                    break;
                case 8:
                    throw new InvalidDataException($"the server closed the WebSocket ({(payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 0)})");
                case 9:
                    _pong = RawWebSocket.Frame(10, payload);
                    break;
            }
        }

        return start;
    }

    /// <summary>SignalR JSON protocol: records ending in 0x1E; invocations carry the payload as their only argument.</summary>
    private void OnSignalRFrame(ReadOnlySpan<byte> frame)
    {
        while (!frame.IsEmpty)
        {
            var end = frame.IndexOf((byte)0x1E);
            var record = end < 0 ? frame : frame[..end];
            frame = end < 0 ? [] : frame[(end + 1)..];
            var arguments = record.IndexOf("\"arguments\":[\""u8);
            if (arguments >= 0 && ScaleOutPayload.TryReadText(record[(arguments + 14)..], out var sequence, out var timestamp))
            {
                OnMessage(sequence, timestamp);
            }
            else if (record.StartsWith("{\"type\":7"u8))
            {
                throw new InvalidDataException($"SignalR closed the connection: {Encoding.UTF8.GetString(record)}");
            }
        }
    }

    private void OnMessage(long sequence, long timestamp)
    {
        if (sequence == ScaleOutPayload.Welcome)
        {
            WelcomeDelay = Stopwatch.GetTimestamp() - timestamp;
            _welcomed.TrySetResult();
            return;
        }

        if (sequence is < 0 or > 1L << 32)
        {
            throw new InvalidDataException($"bad sequence number {sequence}");
        }

        if (_sampled && _run.Measuring)
        {
            Latencies.Add(Stopwatch.GetTimestamp() - timestamp);
        }

        Volatile.Write(ref _delivered, _delivered + 1);
        var word = (int)(sequence >> 6);
        if (word >= _seen.Length)
        {
            Array.Resize(ref _seen, Math.Max(_seen.Length * 2, word + 1));
        }

        var bit = 1UL << (int)(sequence & 63);
        if ((_seen[word] & bit) != 0)
        {
            Volatile.Write(ref _duplicates, _duplicates + 1);
            return;
        }

        _seen[word] |= bit;
        Volatile.Write(ref _distinct, _distinct + 1);
        if (sequence < _highest)
        {
            Volatile.Write(ref _outOfOrder, _outOfOrder + 1);
        }
        else
        {
            _progressToReport += sequence - _highest;
            _highest = sequence;
        }
    }

    private void Fail(string reason)
    {
        if (_run.Closing)
        {
            return;
        }

        Error = reason;
        _welcomed.TrySetException(new IOException(reason));
        _run.Control.AddProgress(_progressToReport);
        _progressToReport = 0;
        _run.Control.MarkDead(_highest + 1);
    }
}
