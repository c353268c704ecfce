using System.IO.Pipelines;

namespace RxSockets.Tests.Support;

/// <summary>Two in-memory transport ends wired back to back: what one end writes, the other reads.</summary>
internal static class PipePair
{
    /// <summary>Creates the pair with the default pipe thresholds.</summary>
    public static (IDuplexPipe Local, IDuplexPipe Remote) Create() => Create(new PipeOptions());

    /// <summary>Creates the pair; both directions use <paramref name="options"/> (for example a small pause threshold).</summary>
    public static (IDuplexPipe Local, IDuplexPipe Remote) Create(PipeOptions options)
    {
        var toRemote = new Pipe(options);
        var toLocal = new Pipe(options);
        return (new DuplexPipe(toLocal.Reader, toRemote.Writer), new DuplexPipe(toRemote.Reader, toLocal.Writer));
    }

    /// <summary>Pipe options whose writer blocks once <paramref name="pauseBytes"/> are unread.</summary>
    public static PipeOptions SmallBuffer(long pauseBytes) =>
        new(pauseWriterThreshold: pauseBytes, resumeWriterThreshold: pauseBytes / 2, minimumSegmentSize: 256, useSynchronizationContext: false);
}
