namespace RxSockets.Transport;

/// <summary>What a <see cref="ConnectionDriver"/> reports to the surface above it. Called on the driver's loops: implementations
/// must be quick and must not throw.</summary>
internal interface IConnectionObserver
{
    void OnStateChanged(ConnectionState state);

    void OnPing(ReadOnlyMemory<byte> payload);

    void OnPong(ReadOnlyMemory<byte> payload);

    /// <summary>A pong answered one of our pings (keepalive or <c>PingAsync</c>) after <paramref name="rtt"/>.</summary>
    void OnRoundTrip(TimeSpan rtt)
    {
    }
}
