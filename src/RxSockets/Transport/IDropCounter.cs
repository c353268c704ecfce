namespace RxSockets.Transport;

/// <summary>Who counts a <see cref="PreparedFrame"/> that a lossy policy dropped, besides the connection (a topic
/// counts its own drops). Called only on a drop, never per message sent.</summary>
internal interface IDropCounter
{
    void CountDrop();
}
