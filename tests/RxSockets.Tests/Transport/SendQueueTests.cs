using RxSockets.Transport;

namespace RxSockets.Tests.Transport;

public class SendQueueTests
{
    [Test, CancelAfter(5_000)]
    public async Task TryEnqueue_IdleWriter_RunsOnePassThatTakesTheMessage(CancellationToken cancellationToken)
    {
        var writer = new ScriptedWriter();
        var queue = writer.Queue;

        queue.TryEnqueue(new Outbound(Message.Text("a"), null));
        await writer.PassEnded.Task.WaitAsync(cancellationToken);

        Assert.That(writer.Taken, Is.EqualTo(new[] { "a" }));
        Assert.That(writer.Passes, Is.EqualTo(1));
    }

    [Test]
    public void WakeAfterBatch_Inline_RunsThePassOnThisThreadBeforeReturning()
    {
        var writer = new ScriptedWriter();
        var queue = writer.Queue;
        queue.BeginBatch();
        queue.TryEnqueue(new Outbound(Message.Text("reply 1"), null));
        queue.TryEnqueue(new Outbound(Message.Text("reply 2"), null));
        queue.EndBatch(wake: false);
        var passesBeforeWake = writer.Passes;

        queue.WakeAfterBatch(inline: true);

        Assert.That(passesBeforeWake, Is.Zero, "sends inside a batch wait for its end");
        Assert.That(writer.Passes, Is.EqualTo(1), "one pass for the whole batch");
        Assert.That(writer.PassThreads.Single(), Is.EqualTo(Environment.CurrentManagedThreadId));
        Assert.That(writer.Taken, Is.EqualTo(new[] { "reply 1", "reply 2" }));
    }

    [Test]
    public void WakeNow_DuringAPass_ThePassLooksAgainInsteadOfASecondPassStarting()
    {
        var writer = new ScriptedWriter();
        var queue = writer.Queue;
        writer.DuringFirstPass = () =>
        {
            // A sender on another thread while the pass runs: no second pass may start beside this one.
            queue.TryEnqueue(new Outbound(Message.Text("late"), null));
        };
        queue.BeginBatch();
        queue.TryEnqueue(new Outbound(Message.Text("first"), null));
        queue.EndBatch(wake: false);

        queue.WakeAfterBatch(inline: true);

        Assert.That(writer.Passes, Is.EqualTo(1));
        Assert.That(writer.Taken, Is.EqualTo(new[] { "first", "late" }));
        Assert.That(writer.MaxConcurrentPasses, Is.EqualTo(1));
    }

    [Test, CancelAfter(5_000)]
    public async Task WriterFinished_NoPassRunsAgainAndTheWaitCompletes(CancellationToken cancellationToken)
    {
        var writer = new ScriptedWriter { FinishAfterPass = true };
        var queue = writer.Queue;
        var waiting = queue.WaitForWriterAsync();
        var pendingBefore = !waiting.IsCompleted;

        queue.WakeNow();
        await waiting.AsTask().WaitAsync(cancellationToken);
        queue.WakeNow();
        queue.WakeAfterBatch(inline: true);

        Assert.That(pendingBefore, Is.True);
        Assert.That(writer.Passes, Is.EqualTo(1));
        Assert.That(queue.WaitForWriterAsync().AsTask().IsCompleted, Is.True);
    }

    [Test]
    public void TryEnqueueDeferred_IdleWriter_ClaimsItAndNoPassRunsUntilRunClaimed()
    {
        var writer = new ScriptedWriter();
        var queue = writer.Queue;

        var queued = queue.TryEnqueueDeferred(new Outbound(Message.Text("a"), null), out var claimed);
        var queuedAgain = queue.TryEnqueueDeferred(new Outbound(Message.Text("b"), null), out var claimedAgain);
        var passesBefore = writer.Passes;
        queue.RunClaimed();

        Assert.That((queued, claimed, queuedAgain, claimedAgain), Is.EqualTo((true, true, true, false)), "only the first claims the idle writer");
        Assert.That(passesBefore, Is.Zero, "a deferred enqueue wakes nothing by itself");
        Assert.That(writer.Passes, Is.EqualTo(1));
        Assert.That(writer.Taken, Is.EqualTo(new[] { "a", "b" }), "one pass writes both");
        Assert.That(writer.PassThreads.Single(), Is.EqualTo(Environment.CurrentManagedThreadId));
    }

    [Test]
    public void TryEnqueueDeferred_DuringAPass_DoesNotClaimAndThePassTakesIt()
    {
        var writer = new ScriptedWriter();
        var queue = writer.Queue;
        var claimedDuringPass = true;
        writer.DuringFirstPass = () => queue.TryEnqueueDeferred(new Outbound(Message.Text("late"), null), out claimedDuringPass);
        queue.TryEnqueueDeferred(new Outbound(Message.Text("first"), null), out _);

        queue.RunClaimed();

        Assert.That(claimedDuringPass, Is.False);
        Assert.That(writer.Taken, Is.EqualTo(new[] { "first", "late" }));
        Assert.That(writer.MaxConcurrentPasses, Is.EqualTo(1));
    }

    /// <summary>A queue whose writer pass takes every queued message per pass, as the <see cref="Outbox"/>'s does.</summary>
    private sealed class ScriptedWriter : SendQueue
    {
        private int _running;

        protected override int Capacity => 16;

        protected override long MaxBytes => long.MaxValue;

        public SendQueue Queue => this;

        public List<string> Taken { get; } = [];

        public List<int> PassThreads { get; } = [];

        public int Passes { get; private set; }

        public int MaxConcurrentPasses { get; private set; }

        public Action? DuringFirstPass { get; set; }

        public bool FinishAfterPass { get; init; }

        public TaskCompletionSource PassEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override Task WritePassAsync()
        {
            MaxConcurrentPasses = Math.Max(MaxConcurrentPasses, Interlocked.Increment(ref _running));
            Passes++;
            PassThreads.Add(Environment.CurrentManagedThreadId);
            var during = DuringFirstPass;
            DuringFirstPass = null;
            while (true)
            {
                var took = false;
                while (Queue.TryDequeue(out var item))
                {
                    Taken.Add(item.Message.GetText());
                    took = true;
                    during?.Invoke();
                    during = null;
                }

                if (FinishAfterPass)
                {
                    Interlocked.Decrement(ref _running);
                    Queue.WriterFinished();
                    PassEnded.TrySetResult();
                    return Task.CompletedTask;
                }

                if (!took && Queue.TryGoIdle())
                {
                    Interlocked.Decrement(ref _running);
                    PassEnded.TrySetResult();
                    return Task.CompletedTask;
                }
            }
        }
    }
}
