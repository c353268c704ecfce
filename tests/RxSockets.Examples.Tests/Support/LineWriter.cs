using System.Text;

namespace RxSockets.Examples.Tests.Support;

/// <summary>A thread-safe <see cref="TextWriter"/> that keeps what an example prints, line by line, and lets a test
/// await a line.</summary>
internal sealed class LineWriter : TextWriter
{
    private readonly object _gate = new();
    private readonly StringBuilder _current = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Found)> _waiters = [];

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                EndLine();
            }
            else if (value != '\r')
            {
                _current.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            foreach (var c in value ?? "")
            {
                Write(c);
            }
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            Write(value);
            EndLine();
        }
    }

    public Task<string> WaitForLineAsync(Func<string, bool> predicate, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var existing = _lines.FirstOrDefault(predicate);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, found));
            return found.Task.WaitAsync(cancellationToken);
        }
    }

    public Task<string> WaitForLineAsync(string startingWith, CancellationToken cancellationToken) =>
        WaitForLineAsync(line => line.StartsWith(startingWith, StringComparison.Ordinal), cancellationToken);

    private void EndLine()
    {
        var line = _current.ToString();
        _current.Clear();
        _lines.Add(line);
        foreach (var waiter in _waiters.Where(w => w.Predicate(line)).ToList())
        {
            _waiters.Remove(waiter);
            waiter.Found.TrySetResult(line);
        }
    }
}
