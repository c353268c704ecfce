using RxSockets.Protocol;

namespace RxSockets.Transport;

/// <summary>
/// The priority lane for control frames (pong, ping): drained by the writer before data. Control frames are rare,
/// so the lane is made at the first one (an idle connection must stay small) and locks itself (it is internal: nobody
/// else can lock it). Thread-safe; one reader.
/// </summary>
internal sealed class ControlLane
{
    private Queue<(Opcode Opcode, byte[] Payload)>? _frames;

    public void Enqueue(Opcode opcode, byte[] payload)
    {
        lock (this)
        {
            (_frames ??= new Queue<(Opcode, byte[])>(2)).Enqueue((opcode, payload));
        }
    }

    public bool TryDequeue(out (Opcode Opcode, byte[] Payload) frame)
    {
        if (Volatile.Read(ref _frames) is null)
        {
            frame = default;
            return false;
        }

        lock (this)
        {
            return _frames!.TryDequeue(out frame);   // not null: checked above and never reset
        }
    }
}
