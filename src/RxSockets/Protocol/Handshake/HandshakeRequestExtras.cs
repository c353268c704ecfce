using System.Collections.ObjectModel;

namespace RxSockets.Protocol.Handshake;

/// <summary>The parts of a <see cref="HandshakeRequest"/> that most requests never need, made on first use. Fields,
/// so that the request can initialise each once with <see cref="LazyInitializer"/>.</summary>
internal sealed class HandshakeRequestExtras
{
    public ReadOnlyCollection<KeyValuePair<string, string>>? HeaderList;

    public ReadOnlyDictionary<string, string>? QueryParameters;

    /// <summary>The method of a request a host read (<see cref="HandshakeRequest.Create"/>); null for GET.</summary>
    public string? Method { get; init; }

    /// <summary>The raw target of a request a host read.</summary>
    public string? Target { get; init; }
}
