namespace RxSockets.Hosting;

/// <summary>
/// Makes the named clients registered with <c>services.AddRxSocketsClient(name, …)</c>. Injected as a singleton.
/// </summary>
/// <remarks>
/// <para><b>Lifetimes.</b> <see cref="GetClient"/> returns the one shared client of a name: created on first use, owned
/// by the container (disposed when the host stops if the host started it, otherwise when the container is disposed),
/// never to be disposed by callers. <see cref="CreateClient"/> returns a new, unstarted client on every call, owned by
/// the caller, who disposes it. Unlike <c>HttpClient</c>, a WebSocket client holds one long-lived connection, so there is
/// nothing to pool: share the one from <see cref="GetClient"/>, or create one per independent session.</para>
/// <para><b>Options.</b> Each client is made from the current <see cref="RxSocketsClientOptions"/> of its name (configuration
/// reloads reach clients made afterwards, not those already made).</para>
/// </remarks>
public interface IRxSocketsClientFactory
{
    /// <summary>The shared client named <paramref name="name"/>, the same instance on every call (also injectable as
    /// <c>[FromKeyedServices(name)] WebSocketClient</c>). Started by the host when its options say
    /// <see cref="RxSocketsClientOptions.Start"/>; otherwise call <see cref="WebSocketClient.StartAsync"/> once.</summary>
    /// <param name="name">The name given to <c>AddRxSocketsClient</c>.</param>
    /// <returns>The shared client; do not dispose it.</returns>
    /// <exception cref="InvalidOperationException">No client of that name is registered.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Its options are invalid; the message
    /// names the property.</exception>
    /// <exception cref="ObjectDisposedException">The factory was disposed (the container is being disposed).</exception>
    WebSocketClient GetClient(string name);

    /// <summary>A new client named <paramref name="name"/>, not started; the caller owns it and disposes it.</summary>
    /// <param name="name">The name given to <c>AddRxSocketsClient</c>.</param>
    /// <returns>The new client.</returns>
    /// <exception cref="InvalidOperationException">No client of that name is registered.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Its options are invalid; the message
    /// names the property.</exception>
    WebSocketClient CreateClient(string name);
}
