using System.Collections.ObjectModel;

namespace RxSockets.Protocol.Handshake;

/// <summary>The parts of a <see cref="HandshakeRequest"/> that most requests never need, made on first use (or with
/// the request, when it offers subprotocols). The lazy parts are fields, so that the request can initialise each once
/// with <see cref="LazyInitializer"/>.</summary>
internal sealed class HandshakeRequestExtras
{
    public ReadOnlyCollection<KeyValuePair<string, string>>? HeaderList;

    public ReadOnlyDictionary<string, string>? QueryParameters;

    /// <summary>The subprotocols offered, when any were.</summary>
    public IReadOnlyList<string>? SubProtocols { get; init; }

    /// <summary>The method of a request a host read (<see cref="HandshakeRequest.Create"/>); null for GET.</summary>
    public string? Method { get; set; }

    /// <summary>The raw target of a request a host read.</summary>
    public string? Target { get; set; }
}
