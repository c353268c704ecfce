using System.IO.Pipelines;

namespace RxSockets.Testing;

/// <summary>
/// Two in-memory transport ends wired to each other (what one end writes, the other reads) with fault injection in
/// each direction: <see cref="Stall"/>, <see cref="Drop"/>, <see cref="LinkDirection.DropNext"/>, <see cref="Cut"/>.
/// Give <see cref="ClientEnd"/> and <see cref="ServerEnd"/> to <see cref="WebSocketConnection.Create"/> (or to
/// <see cref="WebSocketServer.Accept"/>); <c>RxSocketsTest.CreatePair</c> does it for you.
/// </summary>
/// <remarks>Faults act on whole writes (flushes), never on part of a frame. A stalled direction keeps what is written
/// in memory without a limit (it is for testing timeouts, not volume); otherwise a writer waits while the reader is
/// behind by more than the pipe's pause threshold, as over a real pipe.</remarks>
public sealed class InMemoryLink : IAsyncDisposable
{
    /// <summary>Creates a link.</summary>
    /// <param name="pipeOptions">The options of the pipe in each direction (the reader's buffer and its pause
    /// threshold); null for the defaults. Use <see cref="PipeOptions.Default"/>'s thresholds unless a test is about
    /// backpressure.</param>
    public InMemoryLink(PipeOptions? pipeOptions = null)
    {
        pipeOptions ??= new PipeOptions(useSynchronizationContext: false);
        ClientToServer = new LinkDirection("client to server", pipeOptions);
        ServerToClient = new LinkDirection("server to client", pipeOptions);
        ClientEnd = new End(ServerToClient.Reader, ClientToServer.Writer);
        ServerEnd = new End(ClientToServer.Reader, ServerToClient.Writer);
    }

    /// <summary>The transport of the client end: it reads what the server end writes.</summary>
    public IDuplexPipe ClientEnd { get; }

    /// <summary>The transport of the server end: it reads what the client end writes.</summary>
    public IDuplexPipe ServerEnd { get; }

    /// <summary>What the client end writes, on its way to the server end.</summary>
    public LinkDirection ClientToServer { get; }

    /// <summary>What the server end writes, on its way to the client end.</summary>
    public LinkDirection ServerToClient { get; }

    /// <summary>Whether <see cref="Cut"/> was called.</summary>
    public bool IsCut { get; private set; }

    /// <summary>Stalls both directions (see <see cref="LinkDirection.Stall"/>): a network that went silent.</summary>
    public void Stall()
    {
        ClientToServer.Stall();
        ServerToClient.Stall();
    }

    /// <summary>Resumes both directions (see <see cref="LinkDirection.Resume"/>).</summary>
    public void Resume()
    {
        ClientToServer.Resume();
        ServerToClient.Resume();
    }

    /// <summary>Drops everything written either way until <see cref="Resume"/> (see <see cref="LinkDirection.Drop"/>).</summary>
    public void Drop()
    {
        ClientToServer.Drop();
        ServerToClient.Drop();
    }

    /// <summary>Cuts the link as a connection reset does: both ends' reads fail at once with an
    /// <see cref="System.IO.IOException"/>, whatever was held or queued is lost, and writes report the peer gone. A
    /// connection on either end closes with <see cref="CloseCode.AbnormalClosure"/> (1006). Cannot be undone.</summary>
    public void Cut()
    {
        IsCut = true;
        ClientToServer.Cut();
        ServerToClient.Cut();
    }

    /// <summary>Cuts the link (see <see cref="Cut"/>) and waits for its two pumps to stop.</summary>
    /// <returns>A task that completes when nothing moves any more.</returns>
    public async ValueTask DisposeAsync()
    {
        Cut();
        await Task.WhenAll(ClientToServer.Completion, ServerToClient.Completion).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override string ToString() => $"InMemoryLink ({ClientToServer}; {ServerToClient}){(IsCut ? " cut" : "")}";

    private sealed class End(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
