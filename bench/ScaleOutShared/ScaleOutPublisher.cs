using System.Diagnostics;
using System.Globalization;

namespace RxSockets.Bench;

/// <summary>What the publishing node is told on its command line.</summary>
/// <param name="ControlPath">The control file shared with the load generator (<see cref="ScaleOutControl"/>).</param>
/// <param name="Size">The message size in bytes.</param>
/// <param name="InFlight">The most publish calls started and not yet completed (pipelining, bounded).</param>
/// <param name="Window">The most messages per subscriber published and not yet received, on average.</param>
/// <param name="Rate">Publications per second; 0 = as fast as the two windows allow.</param>
internal sealed record ScaleOutPublishOptions(string ControlPath, int Size, int InFlight, int Window, double Rate)
{
    public const string Usage = "[--publish CONTROL_FILE [--size B] [--inflight K] [--window W] [--rate R]]";

    /// <summary>Parses the publisher's options out of <paramref name="args"/> (pairs); null when there is no
    /// <c>--publish</c>. Unknown pairs are left to the caller.</summary>
    public static bool TryParse(IReadOnlyDictionary<string, string> args, out ScaleOutPublishOptions? options)
    {
        options = null;
        if (!args.TryGetValue("--publish", out var path))
        {
            return true;
        }

        var size = 64;
        var inFlight = 64;
        var window = 8;
        double rate = 0;
        var ok = (!args.TryGetValue("--size", out var text) || int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out size))
            && (!args.TryGetValue("--inflight", out text) || int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out inFlight))
            && (!args.TryGetValue("--window", out text) || int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out window))
            && (!args.TryGetValue("--rate", out text) || double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate))
            && size >= ScaleOutPayload.MinimumSize && inFlight > 0 && window > 0;
        options = ok ? new ScaleOutPublishOptions(path, size, inFlight, window, rate) : null;
        return ok;
    }
}

/// <summary>
/// The publisher, the same loop for every stack (it lives in the first node's process): waits for the load generator's
/// go, then publishes sequence numbers 0, 1, 2, … with at most <see cref="ScaleOutPublishOptions.InFlight"/> publish
/// calls outstanding (a ring: the call that reuses a slot first awaits the one before it) and at most
/// <see cref="ScaleOutPublishOptions.Window"/> messages per subscriber not yet received (so no queue anywhere grows
/// without bound), until told to stop; then awaits what is outstanding and says it is done.
/// </summary>
internal static class ScaleOutPublisher
{
    /// <summary>Runs the publisher.</summary>
    /// <param name="options">Its options.</param>
    /// <param name="publish">Builds message <c>sequence</c> (stamped now) and starts publishing it.</param>
    public static async Task RunAsync(ScaleOutPublishOptions options, Func<long, ValueTask> publish)
    {
        using var control = ScaleOutControl.Open(options.ControlPath);
        while (control.Command == ScaleOutControl.Idle)
        {
            await Task.Delay(5);
        }

        var pending = new ValueTask[options.InFlight];
        var clock = Stopwatch.StartNew();
        long sequence = 0;
        while (control.Command == ScaleOutControl.Go)
        {
            if (control.OutstandingPerSubscriber(sequence) >= options.Window
                || (options.Rate > 0 && sequence >= clock.Elapsed.TotalSeconds * options.Rate))
            {
                await Task.Delay(1);
                continue;
            }

            var slot = (int)(sequence % options.InFlight);
            if (sequence >= options.InFlight)
            {
                await CompleteAsync(pending[slot], control);
            }

            try
            {
                // Kept in the ring and awaited exactly once, when its slot comes round again or at the end.
#pragma warning disable CA2012
                pending[slot] = publish(sequence);
#pragma warning restore CA2012
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                pending[slot] = ValueTask.CompletedTask;
                Fail(control, error);
            }

            sequence++;
            control.Published = sequence;
        }

        for (var s = Math.Max(0, sequence - options.InFlight); s < sequence; s++)
        {
            await CompleteAsync(pending[(int)(s % options.InFlight)], control);
        }

        control.PublisherDone = true;
    }

    private static async ValueTask CompleteAsync(ValueTask publishing, ScaleOutControl control)
    {
        try
        {
            await publishing;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Fail(control, error);
        }
    }

    private static void Fail(ScaleOutControl control, Exception error)
    {
        control.CountPublishError();
        if (control.PublishErrors == 1)
        {
            Console.Error.WriteLine($"publish failed: {error.GetType().Name}: {error.Message}");
        }
    }
}
