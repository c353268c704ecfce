namespace RxSockets;

/// <summary>
/// A duplex <see cref="Stream"/> over a <see cref="WebSocketConnection"/>, like node ws's <c>createWebSocketStream</c>:
/// writes are sent as binary messages, and reads return the bytes of the received messages as one continuous stream.
/// </summary>
/// <remarks>
/// <para><b>Reading.</b> Message boundaries are not kept: a read returns bytes of the current message and may stop at
/// its end; the next read goes on with the next message. Text messages are read as their UTF-8 bytes. A read returns
/// 0 (end of stream) after the peer closed cleanly; it throws <see cref="IOException"/> (with the
/// <see cref="ConnectionClosedException"/> inside) when the connection failed. The stream reads through
/// <see cref="WebSocketConnection.ReadAllAsync"/>, which it claims on the first read: do not subscribe to
/// <see cref="WebSocketConnection.Incoming"/> as well.</para>
/// <para><b>Writing.</b> Each write copies the bytes and sends them as one binary message (an empty write sends
/// nothing); it completes when the message is queued, waiting while the send queue is full (backpressure). Keep writes
/// within the peer's maximum message size. <see cref="Flush"/> does nothing: messages are already queued in order.</para>
/// <para><b>Disposing</b> closes the connection with 1000 and waits for the close handshake (at most the close
/// timeout), unless the stream was created with <c>leaveOpen</c>. Not seekable.</para>
/// <para><b>Thread safety.</b> One read and one write may run at the same time; like any <see cref="Stream"/>, not two
/// reads or two writes.</para>
/// </remarks>
public sealed class WebSocketStream : Stream
{
    private readonly WebSocketConnection _connection;
    private readonly bool _leaveOpen;
    private IAsyncEnumerator<Message>? _messages;
    private Task<bool>? _pendingMove;
    private ReadOnlyMemory<byte> _current;
    private bool _ended;
    private int _disposed;

    /// <summary>Creates the stream.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="leaveOpen">True to leave the connection open when the stream is disposed.</param>
    public WebSocketStream(WebSocketConnection connection, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The connection under the stream.</summary>
    public WebSocketConnection Connection => _connection;

    /// <inheritdoc/>
    public override bool CanRead => _disposed == 0;

    /// <inheritdoc/>
    public override bool CanWrite => _disposed == 0;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_current.IsEmpty)
        {
            if (_ended || !await MoveNextAsync(cancellationToken).ConfigureAwait(false))
            {
                _ended = true;
                return 0;
            }
        }

        var count = Math.Min(buffer.Length, _current.Length);
        _current.Span[..count].CopyTo(buffer.Span);
        _current = _current[count..];
        return count;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);

        // A Stream's caller may reuse its buffer as soon as the write returns, while a message keeps its bytes.
        return buffer.IsEmpty ? ValueTask.CompletedTask : _connection.SendAsync(Message.Binary(buffer.ToArray()), cancellationToken);
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Does nothing: every write is already queued, in order.</summary>
    public override void Flush()
    {
    }

    /// <summary>Does nothing: every write is already queued, in order.</summary>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>A completed task.</returns>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Closes the connection with 1000 (unless left open) and releases the reader. Never throws.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_leaveOpen)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_messages is not null && _pendingMove is null)
        {
            await _messages.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        _messages ??= _connection.ReadAllAsync(CancellationToken.None).GetAsyncEnumerator(CancellationToken.None);

        // A cancelled read leaves its MoveNextAsync running; the next read awaits that one rather than start another.
        var move = _pendingMove ?? _messages.MoveNextAsync().AsTask();
        _pendingMove = move;
        bool moved;
        try
        {
            moved = await move.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionClosedException error)
        {
            _pendingMove = null;
            throw new IOException($"The WebSocket connection failed: {error.Message}", error);
        }

        _pendingMove = null;
        if (moved)
        {
            _current = _messages.Current.Data;
        }

        return moved;
    }
}
