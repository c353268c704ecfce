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

    /// <summary>How many bytes of frames the writer should gather before it flushes: 64 KiB, or what the transport
    /// asks for (the epoll writer grows it while its peer takes whole batches at once).</summary>
    int WriteBatchSize => DefaultWriteBatchSize;

    /// <summary>The batch of a transport that does not adapt it: one flush per 64 KiB of frames.</summary>
    const int DefaultWriteBatchSize = 64 * 1024;
}
