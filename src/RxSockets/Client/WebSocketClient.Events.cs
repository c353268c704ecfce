namespace RxSockets;

// What the client reports: its state, its events (published one at a time) and what every connection forwards.
public sealed partial class WebSocketClient
{
    /// <summary>The current state.</summary>
    public ClientState State => _states.Value;

    /// <summary>The current state, then every change; completes after <see cref="ClientState.Disposed"/>.</summary>
    public IObservable<ClientState> States => _states;

    /// <summary>Everything that happens to the client (see <see cref="ClientEvent"/>); hot, completes on dispose.</summary>
    public IObservable<ClientEvent> Events => _events;

    /// <summary>Every connection once it is open, before <see cref="OnConnected"/> runs; hot, completes on dispose.</summary>
    public IObservable<WebSocketConnection> Connections => _connections;

    /// <summary>The open connection, or null while disconnected.</summary>
    public WebSocketConnection? Connection => Volatile.Read(ref _current);

    /// <summary>Whether a connection is open (<see cref="State"/> is <see cref="ClientState.Open"/> and
    /// <see cref="Connection"/> is open). Messages sent while it is false are queued.</summary>
    public bool IsConnected => State == ClientState.Open && Connection is { IsConnected: true };

    /// <summary>Payloads of pings received on any connection.</summary>
    public IObservable<ReadOnlyMemory<byte>> Pings => _pings;

    /// <summary>Payloads of pongs received on any connection.</summary>
    public IObservable<ReadOnlyMemory<byte>> Pongs => _pongs;

    /// <summary>The round-trip time of every ping answered (keepalive pings included), on any connection.</summary>
    public IObservable<TimeSpan> Rtt => _rtt;

    private DateTimeOffset Now => _clock.GetUtcNow();

    private void SetState(ClientState state) => _states.Set(state);

    private void Publish(ClientEvent clientEvent)
    {
        lock (_eventGate)
        {
            _events.Next(clientEvent);
        }
    }

    private void OnReconnecting(int attempt, TimeSpan delay, Exception reason)
    {
        Diagnostics.ClientLog.Reconnecting(_logger, Url, attempt, delay, reason.Message);
        SetState(ClientState.Reconnecting);
        Publish(new ClientReconnecting(Now, attempt, delay, reason));
    }
}
