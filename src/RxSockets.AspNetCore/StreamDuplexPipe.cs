using System.IO.Pipelines;

namespace RxSockets.AspNetCore;

/// <summary>Kestrel's upgraded stream as an <see cref="IDuplexPipe"/>. The stream stays open when the pipes complete:
/// Kestrel owns it and closes the connection when the request ends.</summary>
internal sealed class StreamDuplexPipe(Stream stream) : IDuplexPipe
{
    public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));

    public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
}
