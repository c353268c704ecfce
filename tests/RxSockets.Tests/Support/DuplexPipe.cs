using System.IO.Pipelines;

namespace RxSockets.Tests.Support;

/// <summary>An <see cref="IDuplexPipe"/> made of a reader and a writer.</summary>
internal sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
