using System.Collections.Immutable;
using System.Reactive.Concurrency;

namespace RxSockets.Demo;

/// <summary>Prints the quote board as a compact table; after <see cref="Finish"/> nothing else is printed, so the
/// summary is always the last line.</summary>
public sealed class BoardPrinter(TextWriter output, IScheduler scheduler)
{
    private readonly object _gate = new();
    private readonly DateTimeOffset _started = scheduler.Now;
    private ImmutableSortedDictionary<string, Quote>? _printed;
    private bool _finished;

    /// <summary>Prints the board (called from the Rx pipeline).</summary>
    public void Show(ImmutableSortedDictionary<string, Quote> board)
    {
        lock (_gate)
        {
            if (!_finished)
            {
                Print(board);
            }
        }
    }

    /// <summary>Prints the final board if it changed since last shown, then the summary, and stops printing.</summary>
    public void Finish(ImmutableSortedDictionary<string, Quote>? board, string summary)
    {
        lock (_gate)
        {
            _finished = true;
            if (board is not null && board != _printed)
            {
                Print(board);
            }

            output.WriteLine(summary);
        }
    }

    private void Print(ImmutableSortedDictionary<string, Quote> board)
    {
        _printed = board;
        output.WriteLine($"── {(scheduler.Now - _started).TotalSeconds,4:F1} s ── SYMBOL       LAST        MIN        MAX       VWAP  TICKS");
        foreach (var quote in board.Values)
        {
            output.WriteLine($"              {quote.Symbol,-8} {quote.Last,9:F2}  {quote.Min,9:F2}  {quote.Max,9:F2}  {quote.Vwap,9:F2}  {quote.Ticks,5}");
        }
    }
}
