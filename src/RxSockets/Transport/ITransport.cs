using System.IO.Pipelines;

namespace RxSockets.Transport;

/// <summary>An upgraded byte stream and control over its end: what a <see cref="ConnectionDriver"/> runs on.</summary>
internal interface ITransport : IDuplexPipe
{
    /// <summary>Half-closes: no more bytes will be sent (TCP FIN), while reading goes on.</summary>
    void ShutdownOutput();

    /// <summary>Closes both directions; <paramref name="shutdownFirst"/> sends FIN before closing (the server's duty
    /// at the end of a clean close, RFC 6455 §7.1.1). Idempotent.</summary>
    ValueTask CloseAsync(bool shutdownFirst);
}
