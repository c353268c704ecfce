using RxSockets.Reactive;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Reactive;

public class StateObservableTests
{
    [Test]
    public void Subscribe_ReplaysCurrentThenChangesThenCompletes()
    {
        var states = new StateObservable<ConnectionState>(ConnectionState.Open);
        states.Set(ConnectionState.Closing);
        var observer = new RecordingObserver<ConnectionState>();

        states.Subscribe(observer);
        states.Set(ConnectionState.Closed, final: true);

        Assert.That(observer.Values, Is.EqualTo(new[] { ConnectionState.Closing, ConnectionState.Closed }));
        Assert.That(observer.Terminated.IsCompletedSuccessfully, Is.True);
        Assert.That(states.Value, Is.EqualTo(ConnectionState.Closed));
    }

    [Test]
    public void Subscribe_AfterFinal_ReplaysLastValueAndCompletes()
    {
        var states = new StateObservable<int>(1);
        states.Set(2, final: true);
        var observer = new RecordingObserver<int>();

        states.Subscribe(observer);

        Assert.That(observer.Values, Is.EqualTo(new[] { 2 }));
        Assert.That(observer.Terminated.IsCompletedSuccessfully, Is.True);
    }
}
