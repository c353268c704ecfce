namespace RxSockets.Transport.Epoll;

/// <summary>What an epoll loop thread notifies: readiness flags for one registered descriptor. Implementations must
/// tolerate spurious calls: a recycled slot may see a late event.</summary>
internal interface IEpollTarget
{
    /// <param name="events">The epoll readiness flags.</param>
    /// <param name="inline">True when the target may do the work the event allows on the calling loop thread (which can
    /// run user code, such as an inline consumer); false when it must hand that work to the thread pool.</param>
    void OnEvents(uint events, bool inline);
}
