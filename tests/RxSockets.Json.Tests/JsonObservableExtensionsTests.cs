using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using RxSockets.Json.Tests.Support;

namespace RxSockets.Json.Tests;

public class JsonObservableExtensionsTests
{
    private static readonly Message[] s_mixed =
    [
        Message.Text("""{"symbol":"A","price":1}"""),
        Message.Text("oops"),
        Message.Text("""{"symbol":"B","price":2}"""),
    ];

    [Test, CancelAfter(5_000)]
    public async Task DeserializeJson_InvalidMessageInMiddle_SkipsReportsAndCompletes(CancellationToken cancellationToken)
    {
        var errors = new List<JsonMessageError>();

        var values = await s_mixed.ToObservable().DeserializeJson(TestJsonContext.Default.Tick, errors.Add).ToList().ToTask(cancellationToken);

        Assert.That(values, Is.EqualTo(new[] { new Tick("A", 1m), new Tick("B", 2m) }));
        Assert.That(errors.Select(e => e.RawText), Is.EqualTo(new[] { "oops" }));
    }

    [Test, CancelAfter(5_000)]
    public async Task DeserializeJsonResults_InvalidMessageInMiddle_YieldsOneResultPerMessage(CancellationToken cancellationToken)
    {
        var results = await s_mixed.ToObservable().DeserializeJsonResults(TestJsonContext.Default.Tick).ToList().ToTask(cancellationToken);

        Assert.That(results.Select(r => r.IsSuccess), Is.EqualTo(new[] { true, false, true }));
        Assert.That(results[1].Error?.RawText, Is.EqualTo("oops"));
    }

    [Test, CancelAfter(5_000)]
    public async Task DeserializeJson_ReporterThrows_FailsSequenceWithItsException(CancellationToken cancellationToken)
    {
        var failure = new InvalidOperationException("reporter failed");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            s_mixed.ToObservable().DeserializeJson(TestJsonContext.Default.Tick, _ => throw failure).ToList().ToTask(cancellationToken));

        Assert.That(error?.Message, Is.EqualTo(failure.Message));
    }

    [Test]
    public void AsJsonObserver_Values_ForwardsJsonMessagesAndCompletion()
    {
        var sink = new RecordingObserver();
        var observer = sink.AsJsonObserver(TestJsonContext.Default.Tick);

        observer.OnNext(new Tick("A", 1m));
        observer.OnCompleted();
        observer.OnNext(new Tick("B", 2m));

        Assert.That(sink.Messages.Select(m => m.GetText()), Is.EqualTo(new[] { """{"symbol":"A","price":1}""" }));
        Assert.That(sink.Completed, Is.True);
    }

    private sealed class RecordingObserver : IObserver<Message>
    {
        public List<Message> Messages { get; } = [];

        public bool Completed { get; private set; }

        public void OnNext(Message value) => Messages.Add(value);

        public void OnCompleted() => Completed = true;

        public void OnError(Exception error) => throw new AssertionException("unexpected OnError", error);
    }
}
