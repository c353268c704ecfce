using System.IO.MemoryMappedFiles;

namespace RxSockets.Bench;

/// <summary>
/// The scale-out benchmark's side channel between the load generator and the publishing node: a few counters in a
/// memory-mapped file (MAP_SHARED, so both processes see each other's writes at once), outside every compared stack.
/// The load generator says when to start and stop and how far its subscribers got; the publisher says how many it
/// published, so that it can keep at most a window of messages per subscriber undelivered (as FanoutLoad does) and the
/// load generator can count what was lost.
/// </summary>
/// <remarks>Each field is one aligned 64-bit word, read and written atomically; any thread may use it.</remarks>
internal sealed unsafe class ScaleOutControl : IDisposable
{
    /// <summary>The size of the file.</summary>
    public const int FileSize = 4096;

    /// <summary><see cref="Command"/>: wait.</summary>
    public const long Idle = 0;

    /// <summary><see cref="Command"/>: publish.</summary>
    public const long Go = 1;

    /// <summary><see cref="Command"/>: stop publishing.</summary>
    public const long Stop = 2;

    private const int CommandOffset = 0;
    private const int SubscribersOffset = 1;
    private const int ProgressOffset = 2;
    private const int PublishedOffset = 3;
    private const int PublisherDoneOffset = 4;
    private const int PublishErrorsOffset = 5;
    private const int DeadOffset = 6;
    private const int DeadProgressOffset = 7;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long* _words;

    private ScaleOutControl(MemoryMappedFile file, MemoryMappedViewAccessor view)
    {
        _file = file;
        _view = view;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _words = (long*)(pointer + view.PointerOffset);
    }

    /// <summary>The load generator's command: <see cref="Idle"/>, <see cref="Go"/> or <see cref="Stop"/>.</summary>
    public long Command
    {
        get => Volatile.Read(ref _words[CommandOffset]);
        set => Volatile.Write(ref _words[CommandOffset], value);
    }

    /// <summary>The number of subscriber connections (written by the load generator before <see cref="Go"/>).</summary>
    public long Subscribers
    {
        get => Volatile.Read(ref _words[SubscribersOffset]);
        set => Volatile.Write(ref _words[SubscribersOffset], value);
    }

    /// <summary>The sum over subscribers of (highest sequence number received + 1): how far they got, gaps included,
    /// so that a lost message does not hold the publisher's window forever.</summary>
    public long Progress => Volatile.Read(ref _words[ProgressOffset]);

    /// <summary>Messages published so far (written by the publisher).</summary>
    public long Published
    {
        get => Volatile.Read(ref _words[PublishedOffset]);
        set => Volatile.Write(ref _words[PublishedOffset], value);
    }

    /// <summary>Whether the publisher stopped and every publish it started completed.</summary>
    public bool PublisherDone
    {
        get => Volatile.Read(ref _words[PublisherDoneOffset]) != 0;
        set => Volatile.Write(ref _words[PublisherDoneOffset], value ? 1 : 0);
    }

    /// <summary>Publishes that failed.</summary>
    public long PublishErrors => Volatile.Read(ref _words[PublishErrorsOffset]);

    /// <summary>Subscribers whose connection ended before the run did.</summary>
    public long Dead => Volatile.Read(ref _words[DeadOffset]);

    /// <summary>Opens (creating or extending it to <see cref="FileSize"/> when needed) the control file.</summary>
    public static ScaleOutControl Open(string path)
    {
        using (var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            if (stream.Length < FileSize)
            {
                stream.SetLength(FileSize);
            }
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, FileSize, MemoryMappedFileAccess.ReadWrite);
        return new ScaleOutControl(file, file.CreateViewAccessor(0, FileSize, MemoryMappedFileAccess.ReadWrite));
    }

    /// <summary>Adds subscriber progress (see <see cref="Progress"/>).</summary>
    public void AddProgress(long delta) => Interlocked.Add(ref _words[ProgressOffset], delta);

    /// <summary>Counts a failed publish.</summary>
    public void CountPublishError() => Interlocked.Increment(ref _words[PublishErrorsOffset]);

    /// <summary>Takes a subscriber whose connection ended out of the window: its progress so far stops counting.</summary>
    public void MarkDead(long progress)
    {
        Interlocked.Add(ref _words[DeadProgressOffset], progress);
        Interlocked.Increment(ref _words[DeadOffset]);
    }

    /// <summary>Messages per live subscriber published but not yet received (on average over the live subscribers).</summary>
    public double OutstandingPerSubscriber(long published)
    {
        var live = Subscribers - Dead;
        if (live <= 0)
        {
            return 0;
        }

        var progress = Progress - Volatile.Read(ref _words[DeadProgressOffset]);
        return ((double)published * live - progress) / live;
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
