using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace RxSockets.Testing.Tests;

/// <summary>The link on its own, with raw bytes: each fault acts on whole writes, in order.</summary>
public class InMemoryLinkTests
{
    [Test, CancelAfter(5_000)]
    public async Task Link_Clean_DeliversEachWayInOrder(CancellationToken cancellationToken)
    {
        await using var link = new InMemoryLink();

        await WriteAsync(link.ClientEnd, "ab", cancellationToken);
        await WriteAsync(link.ClientEnd, "cd", cancellationToken);
        await WriteAsync(link.ServerEnd, "xy", cancellationToken);

        Assert.That(await ReadAsync(link.ServerEnd, 4, cancellationToken), Is.EqualTo("abcd"));
        Assert.That(await ReadAsync(link.ClientEnd, 2, cancellationToken), Is.EqualTo("xy"));
        Assert.That(link.ClientToServer.WritesDelivered, Is.EqualTo(2));
        Assert.That(link.ClientToServer.BytesDelivered, Is.EqualTo(4));
    }

    [Test, CancelAfter(5_000)]
    public async Task Stall_HoldsWritesWithoutBlockingTheWriter_ResumeDeliversThemInOrder(CancellationToken cancellationToken)
    {
        await using var link = new InMemoryLink();
        link.ClientToServer.Stall();

        await WriteAsync(link.ClientEnd, "one", cancellationToken);   // returns: the writer is not blocked
        await WriteAsync(link.ClientEnd, "two", cancellationToken);
        var pending = link.ServerEnd.Input.ReadAsync(cancellationToken);
        var heldWhileStalled = (link.ClientToServer.WritesPending, link.ClientToServer.WritesDelivered, pending.IsCompleted);
        link.ClientToServer.Resume();

        Assert.That(heldWhileStalled, Is.EqualTo((2, 0, false)));
        var first = await pending;
        var text = Encoding.ASCII.GetString(first.Buffer.ToArray());
        link.ServerEnd.Input.AdvanceTo(first.Buffer.End);
        text += text.Length < 6 ? await ReadAsync(link.ServerEnd, 6 - text.Length, cancellationToken) : "";
        Assert.That(text, Is.EqualTo("onetwo"));
    }

    [Test, CancelAfter(5_000)]
    public async Task Stall_OneDirection_LeavesTheOtherFlowing(CancellationToken cancellationToken)
    {
        await using var link = new InMemoryLink();
        link.ServerToClient.Stall();

        await WriteAsync(link.ClientEnd, "up", cancellationToken);

        Assert.That(await ReadAsync(link.ServerEnd, 2, cancellationToken), Is.EqualTo("up"));
        Assert.That(link.ServerToClient.IsStalled, Is.True);
        Assert.That(link.ClientToServer.IsStalled, Is.False);
    }

    [Test, CancelAfter(5_000)]
    public async Task DropNext_LosesExactlyThatManyWholeWrites(CancellationToken cancellationToken)
    {
        await using var link = new InMemoryLink();
        link.ClientToServer.DropNext(2);

        await WriteAsync(link.ClientEnd, "aa", cancellationToken);
        await WriteAsync(link.ClientEnd, "bb", cancellationToken);
        await WriteAsync(link.ClientEnd, "cc", cancellationToken);
        await WriteAsync(link.ClientEnd, "dd", cancellationToken);

        Assert.That(await ReadAsync(link.ServerEnd, 4, cancellationToken), Is.EqualTo("ccdd"));
        Assert.That(link.ClientToServer.WritesDropped, Is.EqualTo(2));
        Assert.That(link.ClientToServer.WritesTaken, Is.EqualTo(4));
    }

    [Test, CancelAfter(5_000)]
    public async Task Drop_LosesEverythingUntilResume(CancellationToken cancellationToken)
    {
        await using var link = new InMemoryLink();
        link.Drop();

        await WriteAsync(link.ClientEnd, "lost", cancellationToken);
        await WriteAsync(link.ServerEnd, "lost", cancellationToken);
        link.Resume();
        await WriteAsync(link.ClientEnd, "kept", cancellationToken);

        Assert.That(await ReadAsync(link.ServerEnd, 4, cancellationToken), Is.EqualTo("kept"));
        Assert.That((link.ClientToServer.WritesDropped, link.ServerToClient.WritesDropped), Is.EqualTo((1, 1)));
    }

    [Test, CancelAfter(5_000)]
    public async Task Cut_FailsBothReadersAtOnce_AndLosesWhatWasHeld(CancellationToken cancellationToken)
    {
        await using var link = new InMemoryLink();
        link.ClientToServer.Stall();
        await WriteAsync(link.ClientEnd, "held", cancellationToken);

        link.Cut();

        await Assert.ThrowsAsync<IOException>(async () => await link.ServerEnd.Input.ReadAsync(cancellationToken));
        await Assert.ThrowsAsync<IOException>(async () => await link.ClientEnd.Input.ReadAsync(cancellationToken));
        var afterCut = await link.ClientEnd.Output.WriteAsync("x"u8.ToArray(), cancellationToken);
        Assert.That(afterCut.IsCompleted, Is.True, "a write after the cut reports the peer gone");
        Assert.That(link.ClientToServer.WritesDelivered, Is.Zero);
    }

    [Test, CancelAfter(5_000)]
    public async Task CompletedWriter_EndsTheOtherReaderAfterTheData(CancellationToken cancellationToken)
    {
        await using var link = new InMemoryLink();
        link.ServerToClient.Stall();
        await WriteAsync(link.ServerEnd, "bye", cancellationToken);
        await link.ServerEnd.Output.CompleteAsync();
        link.ServerToClient.Resume();

        Assert.That(await ReadAsync(link.ClientEnd, 3, cancellationToken), Is.EqualTo("bye"));
        var end = await link.ClientEnd.Input.ReadAsync(cancellationToken);
        Assert.That((end.IsCompleted, end.Buffer.Length), Is.EqualTo((true, 0L)));
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitForWrites_CompletesWhenTheCountIsReached(CancellationToken cancellationToken)
    {
        await using var link = new InMemoryLink();
        var second = link.ClientToServer.WaitForWritesAsync(2, cancellationToken);

        await WriteAsync(link.ClientEnd, "1", cancellationToken);
        var afterOne = second.IsCompleted;
        await WriteAsync(link.ClientEnd, "2", cancellationToken);
        await second;

        Assert.That(afterOne, Is.False);
        Assert.That(link.ClientToServer.WaitForWritesAsync(1, cancellationToken).IsCompleted, Is.True);
    }

    [Test]
    public void DropNext_BelowOne_Throws()
    {
        var link = new InMemoryLink();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => link.ClientToServer.DropNext(0));
        Assert.That(error.ParamName, Is.EqualTo("writes"));
        link.Cut();
    }

    private static async Task WriteAsync(IDuplexPipe end, string text, CancellationToken cancellationToken)
    {
        var result = await end.Output.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);
        Assert.That(result.IsCompleted, Is.False);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    private static async Task<string> ReadAsync(IDuplexPipe end, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await end.Input.ReadAsync(cancellationToken);
            if (result.Buffer.Length >= count)
            {
                var text = Encoding.ASCII.GetString(result.Buffer.Slice(0, count).ToArray());
                end.Input.AdvanceTo(result.Buffer.GetPosition(count));
                return text;
            }

            Assert.That(result.IsCompleted, Is.False, "the stream ended early");
            end.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
