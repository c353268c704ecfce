using System.Diagnostics;
using RxSockets.Diagnostics;
using RxSockets.Tests.Client;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Diagnostics.SpanRecorder;

namespace RxSockets.Tests.Diagnostics;

/// <summary>The <c>RxSockets</c> ActivitySource through the OpenTelemetry SDK and its in-memory exporter, over real
/// loopback connections. Each test keeps the spans of its own server (its port, or the trace its client started).
/// NonParallelizable: a listener makes every connection of the process send <c>traceparent</c>, which a test that
/// reads handshake bytes running at the same time would not expect.</summary>
[NonParallelizable]
public class TracingTests
{
    [Test, CancelAfter(30_000)]
    public async Task Connect_WithAListener_ClientSpanCarriesTheTarget_AndTheServersAcceptSpanIsItsChildViaTraceparent(CancellationToken cancellationToken)
    {
        using var recorder = new SpanRecorder();
        string? traceParent = null;
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            VerifyClient = (request, _) =>
            {
                traceParent = request.GetHeader("traceparent");
                return ValueTask.FromResult<HandshakeRejection?>(null);
            },
        }, cancellationToken);
        var port = server.LocalEndPoint.Port;
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(new Uri(server.Url, "/feed?token=secret"), cancellationToken: cancellationToken);
        await accepted;

        var connect = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.ConnectName && Equals(Tag(s, "server.port"), port), cancellationToken);
        var accept = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.AcceptName && s.TraceId == connect.TraceId, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(connect.Kind, Is.EqualTo(ActivityKind.Client));
            Assert.That(connect.Status, Is.EqualTo(ActivityStatusCode.Unset));
            Assert.That(Tag(connect, "server.address"), Is.EqualTo("127.0.0.1"));
            Assert.That(Tag(connect, "url.full"), Is.EqualTo($"ws://127.0.0.1:{port}/feed?REDACTED"), "the query may carry a token");
            Assert.That(Tag(connect, "http.response.status_code"), Is.EqualTo(101));
            Assert.That(Tag(connect, "network.peer.address"), Is.EqualTo("127.0.0.1"));
            Assert.That(connect.Events.Select(e => e.Name), Is.SupersetOf(new[] { "rxsockets.tcp.connected", "rxsockets.upgrade.sent" }));

            Assert.That(traceParent, Is.EqualTo(connect.Id), "the handshake carries the connect span's context");
            Assert.That(accept.Kind, Is.EqualTo(ActivityKind.Server));
            Assert.That(accept.ParentSpanId, Is.EqualTo(connect.SpanId), "the accept span is the connect span's child");
            Assert.That(accept.HasRemoteParent, Is.True);
            Assert.That(Tag(accept, "http.response.status_code"), Is.EqualTo(101));
            Assert.That(Tag(accept, "server.port"), Is.EqualTo(port));
            Assert.That(Tag(accept, "url.path"), Is.EqualTo("/feed"));
            Assert.That(Tag(accept, "network.peer.address"), Is.EqualTo("127.0.0.1"));
        });
        Assert.That(recorder.Spans, Does.Contain(connect).And.Contain(accept), "both went through the in-memory exporter");
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_UnderTheCallersActivity_IsItsChild_AndDoesNotStayCurrentAfterwards(CancellationToken cancellationToken)
    {
        using var recorder = new SpanRecorder();
        using var source = new ActivitySource("RxSockets.Tests.Caller");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);

        using var caller = source.StartActivity("caller")!;
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        Assert.That(Activity.Current, Is.SameAs(caller), "the connect span ended with the connect and is not left current");
        var connect = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.ConnectName && s.TraceId == caller.TraceId, cancellationToken);
        Assert.That(connect.ParentSpanId, Is.EqualTo(caller.SpanId));
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_Refused_ClientSpanIsAnErrorWithTheStatus_AndSoIsTheServersSpan(CancellationToken cancellationToken)
    {
        using var recorder = new SpanRecorder();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(new HandshakeRejection(403, "no entry")),
        }, cancellationToken);
        var port = server.LocalEndPoint.Port;

        var refused = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));
        Assert.That(refused!.StatusCode, Is.EqualTo(403));

        var connect = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.ConnectName && Equals(Tag(s, "server.port"), port), cancellationToken);
        var accept = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.AcceptName && s.TraceId == connect.TraceId, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(connect.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(Tag(connect, "http.response.status_code"), Is.EqualTo(403));
            Assert.That(Tag(connect, "error.type"), Is.EqualTo("403"));
            Assert.That(connect.Events.Select(e => e.Name), Does.Contain("exception"));
            Assert.That(accept.ParentSpanId, Is.EqualTo(connect.SpanId));
            Assert.That(accept.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(Tag(accept, "http.response.status_code"), Is.EqualTo(403));
        });
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_NoListener_SendsNoTraceparent(CancellationToken cancellationToken)
    {
        var headers = new List<string?>();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            VerifyClient = (request, _) =>
            {
                lock (headers)
                {
                    headers.Add(request.GetHeader("traceparent"));
                }

                return ValueTask.FromResult<HandshakeRejection?>(null);
            },
        }, cancellationToken);

        await using (await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken))
        {
        }

        using (new SpanRecorder())
        {
            await using var traced = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        }

        Assert.That(headers, Has.Count.EqualTo(2));
        Assert.That(headers[0], Is.Null, "no listener: nothing added to the handshake");
        Assert.That(headers[1], Does.Match("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"));
    }

    [Test, CancelAfter(30_000)]
    public async Task Negotiate_Detached_ContinuesTheTraceparent_OrIsAnInternalChildOfTheHostsRequestSpan(CancellationToken cancellationToken)
    {
        using var recorder = new SpanRecorder();
        await using var server = Detached.Server(configure: options => options.VerifyClient = (request, _) =>
            ValueTask.FromResult(request.Query.Contains("deny") ? new HandshakeRejection(403) : null));
        var client = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var traceParent = new KeyValuePair<string, string>("traceparent", $"00-{client.TraceId}-{client.SpanId}-01");

        using (await server.NegotiateAsync(Detached.Request("/", null, traceParent), cancellationToken))
        {
        }

        using var source = new ActivitySource("RxSockets.Tests.Host");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        ActivityTraceId hostTrace;
        using (var host = source.StartActivity("host request", ActivityKind.Server)!)
        {
            hostTrace = host.TraceId;
            using var refused = await server.NegotiateAsync(Detached.Request("/?deny=1", null, traceParent), cancellationToken);
            Assert.That(refused.Rejection?.StatusCode, Is.EqualTo(403));
        }

        var direct = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.AcceptName && s.TraceId == client.TraceId, cancellationToken);
        var hosted = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.AcceptName && s.TraceId == hostTrace, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That((direct.Kind, direct.ParentSpanId, Tag(direct, "http.response.status_code")), Is.EqualTo((ActivityKind.Server, client.SpanId, (object)101)));
            Assert.That((hosted.Kind, hosted.Status, Tag(hosted, "http.response.status_code")), Is.EqualTo((ActivityKind.Internal, ActivityStatusCode.Error, (object)403)));
        });
    }

    [Test, CancelAfter(30_000)]
    public async Task Requests_ClientAndServerSpans_WithTheMethod_AndTheErrorCodeOnAFailure(CancellationToken cancellationToken)
    {
        using var recorder = new SpanRecorder();
        var options = new WebSocketServerOptions { Messaging = new MessagingServerOptions() };
        options.Messaging.RequestHandlers["echo"] = (request, _) => ValueTask.FromResult(request.Message);
        options.Messaging.RequestHandlers["refuse"] = (_, _) => throw new RequestFailedException(MessagingErrorCodes.Forbidden, "no");
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var port = server.LocalEndPoint.Port;
        await using var client = new WebSocketClient(server.Url, new WebSocketClientOptions { Messaging = new MessagingClientOptions() });
        await client.StartAsync(cancellationToken);

        using var source = new ActivitySource("RxSockets.Tests.Requests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        ActivityTraceId trace;
        using (var test = source.StartActivity("test")!)
        {
            trace = test.TraceId;
            Assert.That((await client.RequestAsync(Message.Text("hi"), "echo", cancellationToken)).GetText(), Is.EqualTo("hi"));
            var failure = await Assert.ThrowsAsync<RequestFailedException>(async () => await client.RequestAsync(Message.Text("x"), "refuse", cancellationToken));
            Assert.That(failure!.Code, Is.EqualTo(MessagingErrorCodes.Forbidden));
        }

        var echo = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.RequestName && s.TraceId == trace && Equals(Tag(s, "rpc.method"), "echo"), cancellationToken);
        var refuse = await recorder.WaitForAsync(s => s.OperationName == RxSocketsActivity.RequestName && s.TraceId == trace && Equals(Tag(s, "rpc.method"), "refuse"), cancellationToken);
        var handledEcho = await recorder.WaitForAsync(s => s.Kind == ActivityKind.Server && s.OperationName == RxSocketsActivity.RequestName && Equals(Tag(s, "rpc.method"), "echo")
            && Equals(Tag(s, "server.port"), port), cancellationToken);
        var handledRefuse = await recorder.WaitForAsync(s => s.Kind == ActivityKind.Server && s.OperationName == RxSocketsActivity.RequestName && Equals(Tag(s, "rpc.method"), "refuse")
            && Equals(Tag(s, "server.port"), port), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That((echo.Kind, echo.Status, Tag(echo, "rpc.system")), Is.EqualTo((ActivityKind.Client, ActivityStatusCode.Unset, (object)"rxsockets")));
            Assert.That((refuse.Kind, refuse.Status, Tag(refuse, "error.type")), Is.EqualTo((ActivityKind.Client, ActivityStatusCode.Error, (object)MessagingErrorCodes.Forbidden)));
            Assert.That(handledEcho.Status, Is.EqualTo(ActivityStatusCode.Unset));
            Assert.That((handledRefuse.Status, Tag(handledRefuse, "error.type")), Is.EqualTo((ActivityStatusCode.Error, (object)MessagingErrorCodes.Forbidden)));
        });
    }

    [Test, CancelAfter(30_000)]
    public async Task Reconnect_EachAttemptIsASpan_ParentOfItsConnect(CancellationToken cancellationToken)
    {
        using var recorder = new SpanRecorder();
        var handshakes = 0;
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            // The second handshake (the first reconnection attempt) is refused; the third is accepted.
            VerifyClient = (_, _) => ValueTask.FromResult(Interlocked.Increment(ref handshakes) == 2 ? new HandshakeRejection(503) : null),
        }, cancellationToken);
        var port = server.LocalEndPoint.Port;
        var first = InMemory.NextAsync(server.Connections, cancellationToken);
        await using var client = new WebSocketClient(server.Url,
            reconnect: new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(20) });
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        (await first).Abort();
        await log.WaitForAsync<ClientReconnected>(1, cancellationToken);

        bool Ours(Activity s) => s.OperationName == RxSocketsActivity.ReconnectName && Equals(Tag(s, "server.port"), port);
        var failed = await recorder.WaitForAsync(s => Ours(s) && Equals(Tag(s, "rxsockets.reconnect.attempt"), 1), cancellationToken);
        var succeeded = await recorder.WaitForAsync(s => Ours(s) && Equals(Tag(s, "rxsockets.reconnect.attempt"), 2), cancellationToken);
        var connects = recorder.Spans.Where(s => s.OperationName == RxSocketsActivity.ConnectName && Equals(Tag(s, "server.port"), port)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That((failed.Status, Tag(failed, "http.response.status_code")), Is.EqualTo((ActivityStatusCode.Error, (object)503)));
            Assert.That((succeeded.Status, Tag(succeeded, "rxsockets.outcome")), Is.EqualTo((ActivityStatusCode.Unset, (object)"success")));
            Assert.That(connects.Count(c => c.ParentSpanId == failed.SpanId && c.Status == ActivityStatusCode.Error), Is.EqualTo(1));
            Assert.That(connects.Count(c => c.ParentSpanId == succeeded.SpanId && c.Status == ActivityStatusCode.Unset), Is.EqualTo(1));
            Assert.That(connects.Count(c => c.ParentSpanId == default), Is.EqualTo(1), "the first connection is no reconnect");
        });
    }
}
