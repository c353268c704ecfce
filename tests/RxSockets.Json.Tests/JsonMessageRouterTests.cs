using System.Reactive.Subjects;
using System.Text.Json;
using RxSockets.Json.Tests.Support;

namespace RxSockets.Json.Tests;

public class JsonMessageRouterTests
{
    [Test]
    public void On_MessagesOfSeveralTypes_DeliversEachToItsTypedRoute()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source);
        var chats = new List<Chat>();
        var joins = new List<Join>();
        using var chatting = router.On("chat", TestJsonContext.Default.Chat).Subscribe(chats.Add);
        using var joining = router.On("join", TestJsonContext.Default.Join).Subscribe(joins.Add);
        using var connection = router.Connect();

        source.OnNext(Message.Text("""{"type":"join","room":"lobby"}"""));
        source.OnNext(Message.Text("""{"user":"ann","type":"chat","text":"hi"}"""));
        source.OnNext(Message.Binary("""{"type":"chat","user":"bob","text":"yo"}"""u8.ToArray()));

        Assert.That(joins, Is.EqualTo(new[] { new Join("lobby") }));
        Assert.That(chats, Is.EqualTo(new[] { new Chat("ann", "hi"), new Chat("bob", "yo") }));
        Assert.That(router.DeadLetterCount, Is.Zero);
    }

    [Test]
    public void DeadLetters_BadMessages_CarryReasonAndStreamGoesOn()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source);
        var chats = new List<Chat>();
        var dead = new List<JsonDeadLetter>();
        using var chatting = router.On("chat", TestJsonContext.Default.Chat).Subscribe(chats.Add);
        using var deadLetters = router.DeadLetters.Subscribe(dead.Add);
        using var connection = router.Connect();

        source.OnNext(Message.Text("not json"));
        source.OnNext(Message.Text("""{"user":"ann","text":"no type"}"""));
        source.OnNext(Message.Text("""[1,2]"""));
        source.OnNext(Message.Text("""{"type":7}"""));
        source.OnNext(Message.Text("""{"type":"shout","text":"HI"}"""));
        source.OnNext(Message.Text("""{"type":"chat","user":"ann","text":42}"""));
        source.OnNext(Message.Text("""{"type":"chat","user":"ann","text":"still here"}"""));

        Assert.That(dead.Select(d => d.Reason), Is.EqualTo(new[]
        {
            JsonDeadLetterReason.NotJson, JsonDeadLetterReason.MissingDiscriminator, JsonDeadLetterReason.MissingDiscriminator,
            JsonDeadLetterReason.MissingDiscriminator, JsonDeadLetterReason.UnknownDiscriminator, JsonDeadLetterReason.BindFailed,
        }));
        Assert.That(dead[0].Exception, Is.InstanceOf<JsonException>());
        Assert.That(dead[0].RawText, Is.EqualTo("not json"));
        Assert.That(dead[4].Discriminator, Is.EqualTo("shout"));
        Assert.That(dead[4].Description, Is.EqualTo("Unknown message type 'shout'."));
        Assert.That(dead[5].Discriminator, Is.EqualTo("chat"));
        Assert.That(chats, Is.EqualTo(new[] { new Chat("ann", "still here") }));
        Assert.That(router.DeadLetterCount, Is.EqualTo(6));
    }

    [Test]
    public void DeadLetters_SubscriberThrows_ReportedAsHandlerFailedAndOtherRoutesContinue()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source);
        var dead = new List<JsonDeadLetter>();
        var joins = new List<Join>();
        using var chatting = router.On("chat", TestJsonContext.Default.Chat).Subscribe(_ => throw new InvalidOperationException("boom"));
        using var joining = router.On("join", TestJsonContext.Default.Join).Subscribe(joins.Add);
        using var deadLetters = router.DeadLetters.Subscribe(dead.Add);
        using var connection = router.Connect();

        source.OnNext(Message.Text("""{"type":"chat","user":"a","text":"b"}"""));
        source.OnNext(Message.Text("""{"type":"join","room":"r"}"""));

        Assert.That(dead.Single().Reason, Is.EqualTo(JsonDeadLetterReason.HandlerFailed));
        Assert.That(dead.Single().Exception?.Message, Is.EqualTo("boom"));
        Assert.That(joins, Is.EqualTo(new[] { new Join("r") }));
    }

    [Test]
    public void On_SubscriberThrows_IsUnsubscribedWhileTheOthersKeepReceiving()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source);
        var dead = new List<JsonDeadLetter>();
        var calls = 0;
        var chats = new List<Chat>();
        var route = router.On("chat", TestJsonContext.Default.Chat);
        using var failing = route.Subscribe(_ =>
        {
            calls++;
            throw new InvalidOperationException("boom");
        });
        using var steady = route.Subscribe(chats.Add);
        using var deadLetters = router.DeadLetters.Subscribe(dead.Add);
        using var connection = router.Connect();

        source.OnNext(Message.Text("""{"type":"chat","user":"a","text":"1"}"""));
        source.OnNext(Message.Text("""{"type":"chat","user":"a","text":"2"}"""));

        Assert.That(calls, Is.EqualTo(1));
        Assert.That(dead.Select(d => d.Reason), Is.EqualTo(new[] { JsonDeadLetterReason.HandlerFailed }));
        Assert.That(chats, Is.EqualTo(new[] { new Chat("a", "1"), new Chat("a", "2") }));
    }

    [Test]
    public void OnCompleted_SubscriberThrowsOnCompletion_ReportedAsHandlerFailedBeforeDeadLettersComplete()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source);
        var events = new List<string>();
        using var chatting = router.On("chat", TestJsonContext.Default.Chat).Subscribe(_ => { }, () => throw new InvalidOperationException("done"));
        using var deadLetters = router.DeadLetters.Subscribe(d => events.Add($"{d.Reason} {d.Exception?.Message}"), () => events.Add("completed"));
        using var connection = router.Connect();

        source.OnCompleted();

        Assert.That(events, Is.EqualTo(new[] { "HandlerFailed done", "completed" }));
    }

    [Test]
    public void OnError_Source_LateSubscribersReceiveTheErrorToo()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source);
        var chats = router.On("chat", TestJsonContext.Default.Chat);
        using var connection = router.Connect();
        var failure = new IOException("gone");

        source.OnError(failure);
        Exception? routeError = null;
        Exception? deadError = null;
        using var lateRoute = chats.Subscribe(_ => { }, e => routeError = e);
        using var lateDead = router.DeadLetters.Subscribe(_ => { }, e => deadError = e);

        Assert.That(routeError, Is.SameAs(failure));
        Assert.That(deadError, Is.SameAs(failure));
    }

    [Test]
    public void On_CustomDiscriminatorAndReflectionOverload_RoutesByThatProperty()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source, new JsonRouterOptions { DiscriminatorProperty = "kind" });
        var joins = new List<Join>();
        using var joining = router.On<Join>("join", new JsonSerializerOptions(JsonSerializerDefaults.Web)).Subscribe(joins.Add);
        using var connection = router.Connect();

        source.OnNext(Message.Text("""{"kind":"join","room":"r1"}"""));
        source.OnNext(Message.Text("""{"type":"join","room":"r2"}"""));

        Assert.That(joins, Is.EqualTo(new[] { new Join("r1") }));
        Assert.That(router.DeadLetterCount, Is.EqualTo(1));
    }

    [Test]
    public void OnCompleted_Source_CompletesRoutesAndDeadLetters()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source);
        var routeDone = false;
        var deadDone = false;
        using var chatting = router.On("chat", TestJsonContext.Default.Chat).Subscribe(_ => { }, () => routeDone = true);
        using var deadLetters = router.DeadLetters.Subscribe(_ => { }, () => deadDone = true);
        using var connection = router.Connect();

        source.OnCompleted();

        Assert.That(routeDone, Is.True);
        Assert.That(deadDone, Is.True);
    }

    [Test]
    public void On_SameTypeTwiceOrAfterConnect_Throws()
    {
        using var source = new Subject<Message>();
        using var router = new JsonMessageRouter(source);
        router.On("chat", TestJsonContext.Default.Chat);

        var duplicate = Assert.Throws<ArgumentException>(() => router.On("chat", TestJsonContext.Default.Chat));
        using var connection = router.Connect();
        var late = Assert.Throws<InvalidOperationException>(() => router.On("join", TestJsonContext.Default.Join));

        Assert.That(duplicate?.ParamName, Is.EqualTo("type"));
        Assert.That(late, Is.Not.Null);
    }

    [Test]
    public void Constructor_EmptyDiscriminator_ThrowsArgumentExceptionNamingTheProperty()
    {
        using var source = new Subject<Message>();

        var error = Assert.Throws<ArgumentException>(() => new JsonMessageRouter(source, new JsonRouterOptions { DiscriminatorProperty = "" }));

        Assert.That(error?.Message, Does.Contain("DiscriminatorProperty"));
    }
}
