namespace RxSockets.Transport.Epoll;

/// <summary>What the epoll thread notifies: readiness flags for one registered descriptor. Implementations only set
/// signals (never run user code) and must tolerate spurious calls: a recycled slot may see a late event.</summary>
internal interface IEpollTarget
{
    void OnEvents(uint events);
}
