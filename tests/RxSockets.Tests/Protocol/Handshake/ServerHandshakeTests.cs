using System.Buffers;
using System.Net;
using RxSockets.Protocol.Handshake;
using static RxSockets.Tests.Protocol.Handshake.HandshakeTestData;

namespace RxSockets.Tests.Protocol.Handshake;

public class ServerHandshakeTests
{
    private const string UpgradeHeaders =
        "Host: server.example.com\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Version: 13\r\n";

    private static HttpHead Upgrade(string extraHeaders = "", string target = "/chat", string startLine = "") =>
        ParseRequest((startLine.Length > 0 ? startLine : $"GET {target} HTTP/1.1") + "\r\n" + UpgradeHeaders + extraHeaders + "\r\n");

    private static HttpHead Request(string text) => ParseRequest(text + "\r\n");

    [Test]
    public void Validate_RfcSampleRequest_AcceptsWithRfcAcceptKey()
    {
        var server = new ServerHandshake("/chat");
        var remote = new IPEndPoint(IPAddress.Loopback, 50000);
        var head = Upgrade("Origin: http://example.com\r\nSec-WebSocket-Extensions: permessage-deflate\r\nCookie: a=1\r\n",
            target: "/chat?token=a%20b&x=1&x=2&flag");

        var result = server.Validate(head, remote);

        Assert.That(result.IsAccepted, Is.True);
        Assert.That(result.AcceptKey, Is.EqualTo(SampleAccept));
        Assert.That(result.SubProtocol, Is.Null);
        var request = result.Request;
        Assert.That(request?.Path, Is.EqualTo("/chat"));
        Assert.That(request?.Query, Is.EqualTo("token=a%20b&x=1&x=2&flag"));
        Assert.That(request?.GetQueryValue("token"), Is.EqualTo("a b"));
        Assert.That(request?.QueryParameters["x"], Is.EqualTo("1,2"));
        Assert.That(request?.QueryParameters["flag"], Is.EqualTo(string.Empty));
        Assert.That(request?.GetQueryValue("missing"), Is.Null);
        Assert.That(request?.Host, Is.EqualTo("server.example.com"));
        Assert.That(request?.Origin, Is.EqualTo("http://example.com"));
        Assert.That(request?.Extensions, Is.EqualTo("permessage-deflate"));
        Assert.That(request?.RemoteEndPoint, Is.EqualTo(remote));
        Assert.That(request?.GetHeader("cookie"), Is.EqualTo("a=1"));
        Assert.That(request?.Headers, Has.Count.EqualTo(8));
        Assert.That(request?.SubProtocols, Is.Empty);
    }

    [Test]
    public void Validate_AbsoluteFormTarget_UsesItsPathAndQuery()
    {
        var server = new ServerHandshake("/chat");

        var result = server.Validate(Upgrade(target: "ws://server.example.com/chat?a=1"), null);

        Assert.That(result.Request?.Path, Is.EqualTo("/chat"));
        Assert.That(result.Request?.Query, Is.EqualTo("a=1"));
    }

    [TestCase(null)]
    [TestCase("")]
    public void Validate_NoConfiguredPath_AcceptsAnyPath(string? path)
    {
        var server = new ServerHandshake(path);

        var result = server.Validate(Upgrade(target: "/anything/at/all"), null);

        Assert.That(result.IsAccepted, Is.True);
    }

    [Test]
    public void Validate_OtherPath_Rejects404()
    {
        var server = new ServerHandshake("/chat");

        var result = server.Validate(Upgrade(target: "/other"), null);

        Assert.That(result.Rejection?.StatusCode, Is.EqualTo(404));
    }

    [TestCase("POST /chat HTTP/1.1", 405)]
    [TestCase("get /chat HTTP/1.1", 405)]
    [TestCase("GET /chat HTTP/1.0", 400)]
    [TestCase("GET /chat HTTP/2.0", 505)]
    [TestCase("GET /chat#frag HTTP/1.1", 400)]
    [TestCase("GET * HTTP/1.1", 400)]
    [TestCase("GET chat HTTP/1.1", 400)]
    public void Validate_BadStartLine_RejectsWithStatus(string startLine, int status)
    {
        var server = new ServerHandshake();

        var result = server.Validate(Upgrade(startLine: startLine), null);

        Assert.That(result.IsAccepted, Is.False);
        Assert.That(result.Rejection?.StatusCode, Is.EqualTo(status));
    }

    [Test]
    public void Validate_Post_Rejects405WithAllowGet()
    {
        var server = new ServerHandshake();

        var result = server.Validate(Upgrade(startLine: "POST /chat HTTP/1.1"), null);

        Assert.That(result.Rejection?.Headers["Allow"], Is.EqualTo("GET"));
    }

    [TestCase("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n", "Host")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n", "Host")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n", "Upgrade")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n", "Upgrade")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n", "Connection")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n", "Key")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n", "Key")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n", "Key")]
    public void Validate_MissingOrInvalidUpgradeHeader_Rejects400WithReason(string text, string reason)
    {
        var server = new ServerHandshake();

        var result = server.Validate(Request(text), null);

        Assert.That(result.Rejection?.StatusCode, Is.EqualTo(400));
        Assert.That(result.Rejection?.Reason, Does.Contain(reason));
    }

    [TestCase("Sec-WebSocket-Version: 7\r\n")]
    [TestCase("Sec-WebSocket-Version: 14\r\n")]
    [TestCase("")]
    [TestCase("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13\r\n")]
    public void Validate_UnsupportedVersion_Rejects426WithSupportedVersionHeader(string versionHeaders)
    {
        var server = new ServerHandshake();
        var text = UpgradeHeaders.Replace("Sec-WebSocket-Version: 13\r\n", versionHeaders, StringComparison.Ordinal);

        var result = server.Validate(Request("GET / HTTP/1.1\r\n" + text), null);

        Assert.That(result.Rejection?.StatusCode, Is.EqualTo(426));
        Assert.That(result.Rejection?.Headers["Sec-WebSocket-Version"], Is.EqualTo("13, 8"));
    }

    [Test]
    public void Validate_Version8_AcceptsLike13()
    {
        var server = new ServerHandshake();
        var text = UpgradeHeaders.Replace("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 8\r\n", StringComparison.Ordinal);

        var result = server.Validate(Request("GET / HTTP/1.1\r\n" + text), null);

        Assert.That(result.IsAccepted, Is.True);
        Assert.That(result.AcceptKey, Is.EqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    [TestCase("Origin: https://evil.example\r\n", false)]
    [TestCase("Origin: https://good.example\r\n", true)]
    [TestCase("Origin: HTTPS://GOOD.EXAMPLE\r\n", true)]
    [TestCase("", true)]
    public void Validate_AllowedOrigins_Rejects403OnlyForOtherOrigins(string originHeader, bool accepted)
    {
        var server = new ServerHandshake(allowedOrigins: ["https://good.example"]);

        var result = server.Validate(Upgrade(originHeader), null);

        Assert.That(result.IsAccepted, Is.EqualTo(accepted));
        Assert.That(result.Rejection?.StatusCode, Is.EqualTo(accepted ? null : 403));
    }

    [Test]
    public void Validate_NoAllowedOrigins_AcceptsAnyOrigin()
    {
        var server = new ServerHandshake(allowedOrigins: []);

        var result = server.Validate(Upgrade("Origin: https://anyone.example\r\n"), null);

        Assert.That(result.IsAccepted, Is.True);
    }

    [Test]
    public void Validate_SubProtocolOffers_PicksFirstClientPreferredThatServerSupports()
    {
        var server = new ServerHandshake(subProtocols: ["json", "msgpack"]);

        var result = server.Validate(Upgrade("Sec-WebSocket-Protocol: cbor, msgpack\r\nSec-WebSocket-Protocol: json\r\n"), null);

        Assert.That(result.SubProtocol, Is.EqualTo("msgpack"));
        Assert.That(result.Request?.SubProtocols, Is.EqualTo(new[] { "cbor", "msgpack", "json" }));
    }

    [Test]
    public void Validate_NoCommonSubProtocol_AcceptsWithoutOne()
    {
        var server = new ServerHandshake(subProtocols: ["json"]);

        var result = server.Validate(Upgrade("Sec-WebSocket-Protocol: cbor\r\n"), null);

        Assert.That(result.IsAccepted, Is.True);
        Assert.That(result.SubProtocol, Is.Null);
    }

    [Test]
    public void Validate_InvalidSubProtocolToken_Rejects400()
    {
        var server = new ServerHandshake(subProtocols: ["json"]);

        var result = server.Validate(Upgrade("Sec-WebSocket-Protocol: json, a/b\r\n"), null);

        Assert.That(result.Rejection?.StatusCode, Is.EqualTo(400));
    }

    [Test]
    public void SelectSubProtocol_Hook_TakesPrecedenceOverSupportedList()
    {
        IReadOnlyList<string>? seen = null;
        var server = new ServerHandshake(subProtocols: ["a"], selectSubProtocol: offers => { seen = offers; return offers[^1]; });

        var selected = server.SelectSubProtocol(["a", "b"]);

        Assert.That(selected, Is.EqualTo("b"));
        Assert.That(seen, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void SelectSubProtocol_NoOffers_DoesNotCallHook()
    {
        var called = false;
        var server = new ServerHandshake(selectSubProtocol: _ => { called = true; return null; });

        var selected = server.SelectSubProtocol([]);

        Assert.That(selected, Is.Null);
        Assert.That(called, Is.False);
    }

    [Test]
    public void SelectSubProtocol_HookReturnsUnoffered_Throws()
    {
        var server = new ServerHandshake(selectSubProtocol: _ => "other");

        Assert.Throws<InvalidOperationException>(() => server.SelectSubProtocol(["a"]));
    }

    [Test]
    public void RejectionFor_HeadTooLarge_Is431()
    {
        var buffer = new ReadOnlySequence<byte>(Ascii("GET / HTTP/1.1\r\nX: " + new string('a', 200)));
        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, 128, out _, out var error);

        var rejection = ServerHandshake.RejectionFor(status, error);

        Assert.That(rejection.StatusCode, Is.EqualTo(431));
    }

    [Test]
    public void RejectionFor_MalformedHead_Is400WithReason()
    {
        var buffer = new ReadOnlySequence<byte>(Ascii("GET / HTTP/1.1\r\nNo colon here\r\n\r\n"));
        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, MaxHeaderBytes, out _, out var error);

        var rejection = ServerHandshake.RejectionFor(status, error);

        Assert.That(rejection.StatusCode, Is.EqualTo(400));
        Assert.That(rejection.Reason, Is.EqualTo("a header line has no colon"));
    }

    [Test]
    public void WriteAccept_WithProtocolAndExtensions_WritesExactBytes()
    {
        var output = new ArrayBufferWriter<byte>();

        ServerHandshake.WriteAccept(output, SampleAccept, "chat", "permessage-deflate");

        Assert.That(Text(output.WrittenSpan), Is.EqualTo(
            "HTTP/1.1 101 Switching Protocols\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
            "Sec-WebSocket-Protocol: chat\r\n" +
            "Sec-WebSocket-Extensions: permessage-deflate\r\n" +
            "\r\n"));
    }

    [Test]
    public void WriteAccept_Minimal_ParsesBackAsValidAnswerForTheClient()
    {
        var client = new ClientHandshake(new Uri("ws://example.com"), key: SampleKey);
        var output = new ArrayBufferWriter<byte>();

        ServerHandshake.WriteAccept(output, SampleAccept, null, null);

        Assert.That(client.Validate(ParseResponse(Text(output.WrittenSpan))).SubProtocol, Is.Null);
    }

    [Test]
    public void WriteAcceptForKey_AcceptedRequest_WritesWhatWriteAcceptWritesForItsAcceptKey()
    {
        var result = new ServerHandshake(subProtocols: ["chat"]).Validate(Upgrade("Sec-WebSocket-Protocol: chat\r\n"), null);
        var direct = new ArrayBufferWriter<byte>();
        var fromString = new ArrayBufferWriter<byte>();

        ServerHandshake.WriteAcceptForKey(direct, result.ClientKey!, result.SubProtocol, "permessage-deflate");
        ServerHandshake.WriteAccept(fromString, SampleAccept, "chat", "permessage-deflate");

        Assert.That(result.ClientKey, Is.EqualTo(SampleKey));
        Assert.That(result.AcceptKey, Is.EqualTo(SampleAccept));
        Assert.That(Text(direct.WrittenSpan), Is.EqualTo(Text(fromString.WrittenSpan)));
    }

    [TestCase("dGhlIHNhbXBsZSBub25jZQ", null)]
    [TestCase(SampleKey, "ch at")]
    public void WriteAcceptForKey_InvalidKeyOrSubProtocol_ThrowsAndWritesNothing(string clientKey, string? subProtocol)
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => ServerHandshake.WriteAcceptForKey(output, clientKey, subProtocol, null));
        Assert.That(output.WrittenCount, Is.Zero);
    }

    [Test]
    public void Validate_TypicalUpgrade_KeepsTheParsedFieldsWithoutCopying()
    {
        var head = Upgrade();

        var result = new ServerHandshake().Validate(head, null);

        Assert.That(result.Request?.Headers, Is.EqualTo(head.Headers));
        Assert.That(result.Request?.Host, Is.SameAs(head.Headers[0].Value));
    }

    [Test]
    public void WriteRejection_WithHeaders_WritesCompleteResponse()
    {
        var output = new ArrayBufferWriter<byte>();
        var headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer" };

        ServerHandshake.WriteRejection(output, 401, "token expired", headers);

        Assert.That(Text(output.WrittenSpan), Is.EqualTo(
            "HTTP/1.1 401 Unauthorized\r\n" +
            "WWW-Authenticate: Bearer\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Length: 13\r\n" +
            "Connection: close\r\n" +
            "\r\n" +
            "token expired"));
    }

    [TestCase(400, "Bad Request")]
    [TestCase(403, "Forbidden")]
    [TestCase(404, "Not Found")]
    [TestCase(405, "Method Not Allowed")]
    [TestCase(408, "Request Timeout")]
    [TestCase(426, "Upgrade Required")]
    [TestCase(429, "Too Many Requests")]
    [TestCase(431, "Request Header Fields Too Large")]
    [TestCase(500, "Internal Server Error")]
    [TestCase(503, "Service Unavailable")]
    [TestCase(499, "Client Error")]
    public void WriteRejection_NoReason_UsesStandardPhraseAsStatusAndBody(int status, string phrase)
    {
        var output = new ArrayBufferWriter<byte>();

        ServerHandshake.WriteRejection(output, new HandshakeRejection(status));

        var text = Text(output.WrittenSpan);
        Assert.That(text, Does.StartWith($"HTTP/1.1 {status} {phrase}\r\n"));
        Assert.That(text, Does.EndWith($"\r\n\r\n{phrase}"));
    }

    [Test]
    public void WriteRejection_MultiByteReason_CountsBytesInContentLength()
    {
        var output = new ArrayBufferWriter<byte>();

        ServerHandshake.WriteRejection(output, 403, "refusé", null);

        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        HttpHead.TryParse(ref buffer, HttpHeadKind.Response, MaxHeaderBytes, out var head, out _);
        Assert.That(head?.GetValue("Content-Length"), Is.EqualTo("7"));
        Assert.That(Text(buffer.ToArray()), Is.EqualTo("refusé"));
    }

    [TestCase("X-Evil", "a\r\nSet-Cookie: x=1")]
    [TestCase("X-Evil\r\nSet-Cookie", "x=1")]
    [TestCase("Content-Length", "1")]
    [TestCase("connection", "keep-alive")]
    public void WriteRejection_InjectedOrReservedHeader_Throws(string name, string value)
    {
        var output = new ArrayBufferWriter<byte>();
        var headers = new Dictionary<string, string> { [name] = value };

        Assert.Throws<ArgumentException>(() => ServerHandshake.WriteRejection(output, 400, null, headers));
        Assert.That(output.WrittenCount, Is.Zero);
    }

    [TestCase(101)]
    [TestCase(200)]
    [TestCase(399)]
    [TestCase(600)]
    public void HandshakeRejection_StatusOutsideErrorRange_Throws(int status) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new HandshakeRejection(status));

    [Test]
    public void HandshakeRejection_Headers_AreCopiedAndCaseInsensitive()
    {
        var headers = new Dictionary<string, string> { ["Retry-After"] = "10" };

        var rejection = new HandshakeRejection(503, null, headers);
        headers["Retry-After"] = "99";

        Assert.That(rejection.Headers["retry-after"], Is.EqualTo("10"));
    }

    [TestCase("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX: y", "chat")]
    [TestCase("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "chat\r\nX: y")]
    public void WriteAccept_InjectedValue_Throws(string acceptKey, string subProtocol)
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => ServerHandshake.WriteAccept(output, acceptKey, subProtocol, null));
        Assert.That(output.WrittenCount, Is.Zero);
    }

    [Test]
    public void Validate_AcceptedRequest_ExposesReadOnlyCollections()
    {
        var server = new ServerHandshake();

        var request = server.Validate(Upgrade("Sec-WebSocket-Protocol: chat\r\n", target: "/?a=1"), null).Request;

        Assert.That(request?.Headers, Is.Not.InstanceOf<KeyValuePair<string, string>[]>());
        Assert.That(request?.SubProtocols, Is.Not.InstanceOf<string[]>().And.Not.InstanceOf<List<string>>());
        Assert.That(request?.QueryParameters, Is.Not.InstanceOf<Dictionary<string, string>>());
    }
}
