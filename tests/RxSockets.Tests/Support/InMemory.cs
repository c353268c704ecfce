using System.IO.Pipelines;
using Microsoft.Reactive.Testing;

namespace RxSockets.Tests.Support;

/// <summary>Opens a <see cref="WebSocketConnection"/> over a <see cref="PipePair"/>, with a <see cref="RawPeer"/> on
/// the other end and every timer on a <see cref="TestScheduler"/>.</summary>
internal static class InMemory
{
    public static (WebSocketConnection Connection, RawPeer Peer) Open(
        ConnectionRole role, TestScheduler clock, Action<ConnectionOptions>? configure = null, PipeOptions? pipe = null)
    {
        var (local, remote) = pipe is null ? PipePair.Create() : PipePair.Create(pipe);
        return (Create(local, role, clock, configure), RawPeer.For(role, remote));
    }

    public static WebSocketConnection Create(IDuplexPipe transport, ConnectionRole role, TestScheduler clock, Action<ConnectionOptions>? configure = null)
    {
        ConnectionOptions options = role == ConnectionRole.Client ? new WebSocketClientOptions() : new WebSocketServerOptions();
        options.Scheduler = clock;
        configure?.Invoke(options);
        return WebSocketConnection.Create(transport, role, options);
    }

    /// <summary>Awaits the next value of <paramref name="source"/>.</summary>
    public static Task<T> NextAsync<T>(IObservable<T> source, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = source.Subscribe(new Observer<T>(v => result.TrySetResult(v), e => result.TrySetException(e), () => result.TrySetCanceled()));
        _ = result.Task.ContinueWith(_ => subscription.Dispose(), TaskScheduler.Default);
        return result.Task.WaitAsync(cancellationToken);
    }
}
