using System.Buffers;
using System.Runtime.CompilerServices;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;

namespace RxSockets.Protocol.Connection;

/// <summary>
/// One WebSocket connection's protocol, sans-I/O (as python-websockets' <c>protocol.py</c>): bytes in through
/// <see cref="Receive"/>, frames out through the <c>Write*</c> methods, and the decisions between them — the
/// connection's <see cref="State"/>, the close handshake (who closed first, the echo of the peer's close, close after
/// close, data after close) and the failures (which code a broken rule earns, what is sent then, how the connection
/// ended). No tasks, no clock, no sockets, no logging: the driver (<c>Transport.ConnectionDriver</c>) reads and writes
/// the transport, runs the timers and tells this machine what happened (<see cref="CloseTimedOut"/>,
/// <see cref="TransportEnded"/>).
/// </summary>
/// <remarks>
/// Threading, as the driver uses it: <see cref="Receive"/> runs on the read loop only and the <c>Write*</c> methods on
/// the writer pass only; the close transitions (<see cref="QueueClose"/>, <see cref="QueueCloseEcho"/>,
/// <see cref="QueueFailure"/>, <see cref="TransportEnded"/>) are serialised by the driver's lock; the flags the other
/// side reads are volatile.
/// </remarks>
internal sealed class ConnectionProtocol
{
    private readonly ConnectionRole _role;
    private readonly WebSocketProtocol _reader;
    private readonly MaskKeySource? _masks;
    private readonly DeflateFrameWriter? _deflate;
    private readonly int _fragmentSize;
    private int _state = (int)ConnectionState.Open;
    // The two close statuses are boxed, made at the close: a nullable one inline is 24 B, two of them in every idle
    // connection; a reference is 8.
    private StrongBox<CloseStatus>? _closeToSend;   // null with _closeQueued: an empty close body (the echo of an empty close)
    private volatile bool _closeQueued;
    private volatile bool _failFast;
    private volatile bool _readFailed;   // the peer broke the protocol: our close follows what was queued before it
    private volatile bool _closeSent;
    private volatile bool _closeReceived;
    private StrongBox<CloseStatus>? _received;
    private Exception? _failure;

    /// <param name="role">A client masks what it sends and expects nothing masked; a server the reverse (RFC 6455 §5.1).</param>
    /// <param name="fragmentSize">The payload size outgoing messages are split at; 0 = never.</param>
    /// <param name="deflate">What permessage-deflate settled, or null when it was not negotiated.</param>
    public ConnectionProtocol(ConnectionRole role, long maxMessageSize, int maxFragments, bool validateUtf8 = true, int fragmentSize = 0, DeflateSettings? deflate = null)
    {
        _role = role;
        _reader = new WebSocketProtocol(role, maxMessageSize, maxFragments, validateUtf8, deflate is null ? null : new PerMessageInflater(deflate.InflateNoContext, deflate.InflateWindowBits));
        _deflate = deflate is null ? null : new DeflateFrameWriter(deflate);
        _masks = role == ConnectionRole.Client ? new MaskKeySource() : null;
        _fragmentSize = fragmentSize;
    }

    public ConnectionRole Role => _role;

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    /// <summary>Our close frame is decided: nothing more may be sent (data, pongs, keepalive pings).</summary>
    public bool CloseQueued => _closeQueued;

    /// <summary>Our close frame was handed to the transport.</summary>
    public bool CloseSent => _closeSent;

    /// <summary>The peer's close frame arrived: whatever it sends after it is ignored.</summary>
    public bool CloseReceived => _closeReceived;

    /// <summary>The connection is failed at once (<see cref="QueueClose"/> with failFast): queued data is dropped.</summary>
    public bool FailFast => _failFast;

    /// <summary>The peer broke the protocol (<see cref="QueueFailure"/>): its bytes cannot be parsed any more.</summary>
    public bool ReadFailed => _readFailed;

    /// <summary>The status the peer closed with (1005 for an empty body), once its close arrived.</summary>
    public CloseStatus? ReceivedClose => _received?.Value;

    /// <summary>The status we closed with, once our close frame is sent (null for an empty body).</summary>
    public CloseStatus? SentClose => _closeSent ? _closeToSend?.Value : null;

    /// <summary>What failed the connection, if anything did.</summary>
    public Exception? Failure => _failure;

    /// <summary>The permessage-deflate writer, for frames compressed elsewhere (a broadcast); null without it.</summary>
    public DeflateFrameWriter? Deflate => _deflate;

    /// <summary>The state a connection reaches; false when it is already there or <see cref="ConnectionState.Closed"/>
    /// (Closed is final: a close requested after the end must not move it back to Closing).</summary>
    public bool TrySetState(ConnectionState state)
    {
        int previous;
        do
        {
            previous = Volatile.Read(ref _state);
            if (previous == (int)ConnectionState.Closed || previous == (int)state)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _state, (int)state, previous) != previous);

        return true;
    }

    /// <summary>Assembles messages into pooled buffers, for a consumer of <see cref="MessageLease"/>s.</summary>
    public bool PooledPayloads
    {
        get => _reader.PooledPayloads;
        set => _reader.PooledPayloads = value;
    }

    /// <summary>
    /// Consumes bytes from <paramref name="buffer"/> up to the next event, as <see cref="WebSocketProtocol.Read"/>.
    /// A close frame is checked and recorded (<see cref="ReceivedClose"/>); answer it with <see cref="QueueCloseEcho"/>.
    /// After the peer's close everything is ignored (consumed, no event).
    /// </summary>
    /// <exception cref="ProtocolException">The peer broke the protocol or a limit (an invalid close frame too: 1002 for
    /// a bad code or a 1-byte body, 1007 for a reason that is not UTF-8): fail with <see cref="QueueFailure"/>.</exception>
    public ProtocolEvent Receive(ref ReadOnlySequence<byte> buffer, out Message message, out byte[] control)
    {
        if (_closeReceived)
        {
            message = default;
            control = [];
            buffer = buffer.Slice(buffer.End);
            return ProtocolEvent.NeedMoreData;
        }

        var kind = _reader.Read(ref buffer, out message, out control);
        if (kind == ProtocolEvent.Close)
        {
            _received = new StrongBox<CloseStatus>(ClosePayload.Parse(control) ?? new CloseStatus(CloseCode.NoStatusReceived));
            _closeReceived = true;
        }

        return kind;
    }

    /// <summary>Whether a ping just received is answered by the engine: not once our close is decided.</summary>
    public bool ShouldAutoPong(bool autoPong) => autoPong && !_closeQueued;

    /// <summary>Decides our close frame, once. A fail-fast close discards queued data; any other follows the data queued
    /// before it.</summary>
    /// <param name="status">The status to send; null sends an empty body.</param>
    /// <param name="error">What failed the connection, if anything: kept even when our close was already decided (a
    /// protocol error meanwhile is still the cause to report).</param>
    /// <returns>True when this call decided the close (the driver then starts the close timeout and wakes the writer).</returns>
    public bool QueueClose(CloseStatus? status, bool failFast, Exception? error)
    {
        _failure ??= error;
        if (_closeQueued)
        {
            return false;
        }

        _closeToSend = status is { } toSend ? new StrongBox<CloseStatus>(toSend) : null;
        _failFast = failFast;
        _closeQueued = true;
        return true;
    }

    /// <summary>Answers the peer's close (RFC 6455 §5.5.1): echoes the status code received, or an empty body for an
    /// empty one. Nothing when we closed first (our close is the answer).</summary>
    public bool QueueCloseEcho() =>
        QueueClose(_received?.Value is { Code: not CloseCode.NoStatusReceived } received ? new CloseStatus(received.Code) : null, failFast: false, error: null);

    /// <summary>The peer broke the protocol: our close carries the error's code and message (cut to what fits a
    /// control frame), after the data queued before it; nothing more is read.</summary>
    public bool QueueFailure(ProtocolException error)
    {
        _readFailed = true;
        return QueueClose(new CloseStatus(error.Code, ClosePayload.Truncate(error.Message)), failFast: false, error);
    }

    /// <summary>The transport ended or failed (<paramref name="failure"/>, null for a clean end). Once the peer's close
    /// frame is in, that close is the outcome: a transport failure after it (a peer or proxy that resets instead of
    /// ending TCP cleanly) changes nothing, as in node ws.</summary>
    public void TransportEnded(Exception? failure)
    {
        if (!(_closeReceived && failure is IOException or System.Net.Sockets.SocketException or ObjectDisposedException))
        {
            _failure ??= failure;
        }
    }

    /// <summary>Reading ended. True when the peer vanished without a close frame (and we did not fail it): nothing more
    /// can be written, and that is the failure.</summary>
    public bool ReadEnded()
    {
        if (_closeReceived || _failFast || _readFailed)
        {
            return false;
        }

        _failure ??= new IOException("The peer closed the connection without a close frame.");
        return true;
    }

    /// <summary>The close timeout passed: the failure to end with, or null when both close frames crossed and only
    /// the peer's TCP close is missing (closing it ourselves is still a clean close).</summary>
    public Exception? CloseTimedOut(TimeSpan timeout) =>
        _closeSent && _closeReceived ? null : new TimeoutException($"The close handshake did not complete within {timeout}.");

    /// <summary>Both close frames crossed and nothing failed.</summary>
    public bool IsClean => _closeReceived && _closeSent && _failure is null;

    /// <summary>After our close frame is sent on a connection we failed, a server ends its output (FIN) while it drains
    /// the peer's bytes.</summary>
    public bool ShutdownOutputAfterClose => (_failFast || _readFailed) && _role == ConnectionRole.Server;

    /// <summary>Writes a control frame (ping or pong), masked when we are the client.</summary>
    public void WriteControl(IBufferWriter<byte> output, Opcode opcode, ReadOnlySpan<byte> payload) =>
        FrameWriter.WriteFrame(output, opcode, fin: true, rsv1: false, payload, _masks?.Next());

    /// <summary>Writes a data message: compressed when permessage-deflate is on and it is worth it, split at the
    /// fragment size, masked when we are the client.</summary>
    public void WriteMessage(IBufferWriter<byte> output, in Message message)
    {
        if (_deflate?.TryWriteMessage(output, message, _fragmentSize, _masks) != true)
        {
            FrameWriter.WriteMessage(output, message.Type, message.Data.Span, _fragmentSize, _masks);
        }
    }

    /// <summary>Whether our close frame goes now: once decided, after the data queued before it (at once when failing
    /// fast), and only once.</summary>
    public bool ShouldWriteClose(bool dataDrained) => _closeQueued && !_closeSent && (_failFast || dataDrained);

    /// <summary>Writes our close frame. From here on it counts as sent: a peer that already sent its close may reset
    /// as soon as it reads ours.</summary>
    public void WriteClose(IBufferWriter<byte> output)
    {
        FrameWriter.WriteClose(output, _closeToSend?.Value, _masks?.Next());
        _closeSent = true;
    }

    /// <summary>What a send is refused with once our close is decided (or the connection aborted); null otherwise.</summary>
    public ConnectionClosedException? SendRefusal(bool aborted) =>
        _closeQueued || aborted
            ? new ConnectionClosedException("The connection is closing or closed: no more messages can be sent.", _closeToSend?.Value, _received?.Value, _failure)
            : null;

    /// <summary>How the connection ended: null for a clean close (<paramref name="clean"/>, <see cref="IsClean"/> as it
    /// was when the transport was closed), otherwise the error <c>Completion</c> faults with.</summary>
    public ConnectionClosedException? Outcome(bool clean) =>
        clean ? null : new ConnectionClosedException(Describe(), SentClose, _received?.Value, _failure);

    /// <summary>Releases the parser's and the compressor's memory: the connection is over.</summary>
    public void Release()
    {
        _reader.Reset();
        _deflate?.Dispose();
    }

    private string Describe() => _failure switch
    {
        ProtocolException p => $"The connection failed: {p.Message}",
        TimeoutException t => $"The connection timed out: {t.Message}",
        null => "The connection closed abnormally (1006).",
        var other => $"The connection closed abnormally (1006): {other.Message}",
    };
}
