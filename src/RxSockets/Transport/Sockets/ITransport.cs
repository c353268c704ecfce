using System.IO.Pipelines;
using System.Net;

namespace RxSockets.Transport.Sockets;

/// <summary>An upgraded byte stream and control over its end: what a <see cref="ConnectionDriver"/> runs on.</summary>
internal interface ITransport : IDuplexPipe
{
    /// <summary>The peer's address; null when unknown (in-memory pipes) or when the connection was already gone.</summary>
    IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Half-closes: no more bytes will be sent (TCP FIN), while reading goes on.</summary>
    void ShutdownOutput();

    /// <summary>Closes both directions; <paramref name="shutdownFirst"/> sends FIN before closing (the server's duty
    /// at the end of a clean close, RFC 6455 §7.1.1). Idempotent.</summary>
    ValueTask CloseAsync(bool shutdownFirst);
}
