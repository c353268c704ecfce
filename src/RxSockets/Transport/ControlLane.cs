using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Transport;

/// <summary>
/// The priority lane for control frames (pong, ping): drained by the writer before data. Control frames are rare,
/// so the lane is made at the first one (an idle connection must stay small) and locks itself (it is internal: nobody
/// else can lock it). It counts the pongs it holds, so the read loop can stop reading pings that a peer which does not
/// read makes us answer faster than they leave (see <see cref="WaitForPongRoomAsync"/>). Thread-safe; one reader.
/// </summary>
internal sealed class ControlLane
{
    private Queue<(Opcode Opcode, byte[] Payload)>? _frames;
    private int _pongs;
    private int _pongBytes;
    private int _roomBelow;
    private TaskCompletionSource? _room;   // made when the read loop waits for the writer to take pongs

    /// <summary>Pongs queued and not yet taken by the writer.</summary>
    public int PendingPongs => Volatile.Read(ref _pongs);

    /// <summary>Payload bytes of the pongs queued and not yet taken by the writer.</summary>
    public int PendingPongBytes => Volatile.Read(ref _pongBytes);

    public void Enqueue(Opcode opcode, byte[] payload)
    {
        lock (this)
        {
            (_frames ??= new Queue<(Opcode, byte[])>(2)).Enqueue((opcode, payload));
            if (opcode == Opcode.Pong)
            {
                _pongs++;
                _pongBytes += payload.Length;
            }
        }
    }

    public bool TryDequeue(out (Opcode Opcode, byte[] Payload) frame)
    {
        if (Volatile.Read(ref _frames) is null)
        {
            frame = default;
            return false;
        }

        TaskCompletionSource? room = null;
        lock (this)
        {
            if (!_frames!.TryDequeue(out frame))   // not null: checked above and never reset
            {
                return false;
            }

            if (frame.Opcode == Opcode.Pong)
            {
                _pongs--;
                _pongBytes -= frame.Payload.Length;
                if (_room is not null && _pongs < _roomBelow)
                {
                    room = _room;
                    _room = null;
                }
            }
        }

        room?.TrySetResult();
        return true;
    }

    /// <summary>Completes when fewer than <paramref name="bound"/> pongs are queued: at once if so already, else once
    /// the writer has taken enough. One waiter (the read loop).</summary>
    public Task WaitForPongRoomAsync(int bound)
    {
        lock (this)
        {
            if (_pongs < bound)
            {
                return Task.CompletedTask;
            }

            _roomBelow = bound;
            return (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }
}
