using System.Buffers;
using RxSockets.Protocol.Handshake;
using static RxSockets.Tests.Protocol.Handshake.HandshakeTestData;

namespace RxSockets.Tests.Protocol.Handshake;

public class ClientHandshakeTests
{
    private const string ValidAnswer =
        "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";

    [Test]
    public void WriteRequest_AllOptions_WritesExactBytes()
    {
        var handshake = new ClientHandshake(
            new Uri("wss://example.com:8443/chat?room=a%20b"),
            subProtocols: ["chat.v2", "chat"],
            headers: [new("Authorization", "Bearer abc"), new("User-Agent", "rxsockets-test")],
            origin: "https://example.com",
            extensions: "permessage-deflate; client_max_window_bits",
            key: SampleKey);
        var output = new ArrayBufferWriter<byte>();

        handshake.WriteRequest(output);

        Assert.That(Text(output.WrittenSpan), Is.EqualTo(
            "GET /chat?room=a%20b HTTP/1.1\r\n" +
            "Host: example.com:8443\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            "Sec-WebSocket-Protocol: chat.v2, chat\r\n" +
            "Origin: https://example.com\r\n" +
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
            "Authorization: Bearer abc\r\n" +
            "User-Agent: rxsockets-test\r\n" +
            "\r\n"));
    }

    [Test]
    public void WriteRequest_Minimal_WritesOnlyRequiredHeaders()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), key: SampleKey);
        var output = new ArrayBufferWriter<byte>();

        handshake.WriteRequest(output);

        Assert.That(Text(output.WrittenSpan), Is.EqualTo(
            "GET / HTTP/1.1\r\n" +
            "Host: example.com\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            "\r\n"));
    }

    [TestCase("ws://example.com:80/", "example.com")]
    [TestCase("wss://example.com:443/", "example.com")]
    [TestCase("ws://example.com:443/", "example.com:443")]
    [TestCase("wss://example.com:80/", "example.com:80")]
    [TestCase("ws://[::1]/", "[::1]")]
    [TestCase("ws://[::1]:9000/", "[::1]:9000")]
    [TestCase("ws://127.0.0.1:9000/", "127.0.0.1:9000")]
    [TestCase("ws://bücher.example/", "xn--bcher-kva.example")]
    public void WriteRequest_Uri_WritesHostWithPortOnlyWhenNotDefault(string uri, string host)
    {
        var handshake = new ClientHandshake(new Uri(uri), key: SampleKey);
        var output = new ArrayBufferWriter<byte>();

        handshake.WriteRequest(output);

        Assert.That(Text(output.WrittenSpan), Does.Contain($"\r\nHost: {host}\r\n"));
    }

    [Test]
    public void Constructor_NoKey_CreatesValidRandomKey()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"));

        Assert.That(AcceptKey.IsValidClientKey(handshake.Key), Is.True);
        Assert.That(handshake.ExpectedAccept, Is.EqualTo(AcceptKey.Compute(handshake.Key)));
    }

    [TestCase("X-Evil", "a\r\nInjected: yes")]
    [TestCase("X-Evil", "a\nb")]
    [TestCase("X-Evil", "a\rb")]
    [TestCase("X-Evil\r\nInjected", "yes")]
    [TestCase("X Evil", "yes")]
    [TestCase("", "yes")]
    public void Constructor_HeaderWithCrLfOrInvalidName_Throws(string name, string value)
    {
        KeyValuePair<string, string>[] headers = [new(name, value)];

        Assert.Throws<ArgumentException>(() => _ = new ClientHandshake(new Uri("ws://example.com"), headers: headers));
    }

    [TestCase("Sec-WebSocket-Key")]
    [TestCase("sec-websocket-version")]
    [TestCase("Upgrade")]
    [TestCase("CONNECTION")]
    [TestCase("Host")]
    [TestCase("Sec-WebSocket-Protocol")]
    public void Constructor_ReservedHeader_Throws(string name)
    {
        KeyValuePair<string, string>[] headers = [new(name, "x")];

        Assert.Throws<ArgumentException>(() => _ = new ClientHandshake(new Uri("ws://example.com"), headers: headers));
    }

    [Test]
    public void Constructor_OriginAsHeaderAndParameter_Throws()
    {
        KeyValuePair<string, string>[] headers = [new("Origin", "https://a.example")];

        Assert.Throws<ArgumentException>(
            () => _ = new ClientHandshake(new Uri("ws://example.com"), headers: headers, origin: "https://b.example"));
    }

    [TestCase("http://example.com/")]
    [TestCase("ws://example.com/#frag")]
    public void Constructor_InvalidUri_Throws(string uri) =>
        Assert.Throws<ArgumentException>(() => _ = new ClientHandshake(new Uri(uri)));

    [TestCase("chat, v2")]
    [TestCase("")]
    [TestCase("ch\r\nat")]
    public void Constructor_InvalidSubProtocol_Throws(string subProtocol) =>
        Assert.Throws<ArgumentException>(() => _ = new ClientHandshake(new Uri("ws://example.com"), subProtocols: [subProtocol]));

    [Test]
    public void Constructor_DuplicateSubProtocol_Throws() =>
        Assert.Throws<ArgumentException>(() => _ = new ClientHandshake(new Uri("ws://example.com"), subProtocols: ["a", "a"]));

    [Test]
    public void Constructor_OriginWithNewline_Throws() =>
        Assert.Throws<ArgumentException>(() => _ = new ClientHandshake(new Uri("ws://example.com"), origin: "https://a\r\nX: y"));

    [Test]
    public void Validate_ValidAnswer_ReturnsNoSubProtocolOrExtensions()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), key: SampleKey);

        var result = handshake.Validate(ParseResponse(ValidAnswer + "\r\n"));

        Assert.That(result, Is.EqualTo(new ClientHandshakeResult(null, null)));
    }

    [Test]
    public void Validate_AnswerWithMixedCaseAndConnectionList_Accepts()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), key: SampleKey);
        var answer = "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n" +
            $"sec-websocket-accept: {SampleAccept}\r\n\r\n";

        var result = handshake.Validate(ParseResponse(answer));

        Assert.That(result.SubProtocol, Is.Null);
    }

    [Test]
    public void Validate_OfferedSubProtocolAndExtensions_ReturnsThem()
    {
        var handshake = new ClientHandshake(
            new Uri("ws://example.com"), subProtocols: ["chat.v2", "chat"], extensions: "permessage-deflate", key: SampleKey);
        var answer = ValidAnswer + "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";

        var result = handshake.Validate(ParseResponse(answer));

        Assert.That(result, Is.EqualTo(new ClientHandshakeResult("chat", "permessage-deflate")));
    }

    [TestCase("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nConnection: Upgrade\r\n", "Upgrade: websocket")]
    [TestCase("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nUpgrade: websocket\r\n", "Connection: Upgrade")]
    [TestCase("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n", "Upgrade: websocket")]
    [TestCase("Upgrade: websocket\r\nConnection: Upgrade\r\n", "Sec-WebSocket-Accept")]
    [TestCase("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n", "Sec-WebSocket-Accept")]
    [TestCase("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n", "Sec-WebSocket-Accept")]
    public void Validate_InvalidSwitch_ThrowsWithStatus101AndNotTransient(string headers, string reason)
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), key: SampleKey);
        var response = ParseResponse($"HTTP/1.1 101 Switching Protocols\r\n{headers}\r\n");

        var error = Assert.Throws<HandshakeException>(() => handshake.Validate(response));

        Assert.That(error?.Message, Does.StartWith("WebSocket handshake failed: ").And.Contain(reason));
        Assert.That(error?.StatusCode, Is.EqualTo(101));
        Assert.That(error?.IsTransient, Is.False);
    }

    [Test]
    public void Validate_WrongAccept_SaysAcceptDoesNotMatch()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), key: "AAAAAAAAAAAAAAAAAAAAAA==");

        var error = Assert.Throws<HandshakeException>(() => handshake.Validate(ParseResponse(ValidAnswer + "\r\n")));

        Assert.That(error?.Message, Is.EqualTo(
            "WebSocket handshake failed: the server's Sec-WebSocket-Accept does not match the key we sent"));
    }

    [Test]
    public void Validate_UnofferedSubProtocol_Throws()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), subProtocols: ["chat"], key: SampleKey);
        var response = ParseResponse(ValidAnswer + "Sec-WebSocket-Protocol: superchat\r\n\r\n");

        var error = Assert.Throws<HandshakeException>(() => handshake.Validate(response));

        Assert.That(error?.Message, Does.Contain("'superchat'"));
    }

    [Test]
    public void Validate_SubProtocolWhenNoneOffered_Throws()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), key: SampleKey);
        var response = ParseResponse(ValidAnswer + "Sec-WebSocket-Protocol: chat\r\n\r\n");

        var error = Assert.Throws<HandshakeException>(() => handshake.Validate(response));

        Assert.That(error?.Message, Does.Contain("offered none"));
    }

    [Test]
    public void Validate_SeveralSubProtocols_Throws()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), subProtocols: ["a", "b"], key: SampleKey);
        var response = ParseResponse(ValidAnswer + "Sec-WebSocket-Protocol: a, b\r\n\r\n");

        Assert.Throws<HandshakeException>(() => handshake.Validate(response));
    }

    [Test]
    public void Validate_ExtensionsWhenNoneOffered_Throws()
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), key: SampleKey);
        var response = ParseResponse(ValidAnswer + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n");

        Assert.Throws<HandshakeException>(() => handshake.Validate(response));
    }

    [TestCase(401, "Unauthorized", false)]
    [TestCase(403, "Forbidden", false)]
    [TestCase(404, "Not Found", false)]
    [TestCase(408, "Request Timeout", true)]
    [TestCase(429, "Too Many Requests", true)]
    [TestCase(500, "Internal Server Error", true)]
    [TestCase(503, "Service Unavailable", true)]
    [TestCase(200, "OK", false)]
    public void Validate_NonSwitchingStatus_ThrowsRejectionWithTransience(int status, string phrase, bool transient)
    {
        var handshake = new ClientHandshake(new Uri("ws://example.com"), key: SampleKey);
        var response = ParseResponse($"HTTP/1.1 {status} {phrase}\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n");

        var error = Assert.Throws<HandshakeException>(() => handshake.Validate(response));

        Assert.That(error?.Message, Is.EqualTo($"WebSocket handshake rejected: HTTP {status} {phrase}"));
        Assert.That(error?.StatusCode, Is.EqualTo(status));
        Assert.That(error?.IsTransient, Is.EqualTo(transient));
        Assert.That(error?.Headers["retry-after"], Is.EqualTo("5"));
        Assert.That(error?.Body, Is.Null);
    }

    [Test]
    public void Rejected_BodyExcerpt_KeepsAtMostOneKibibyteDecodedLossily()
    {
        var response = ParseResponse("HTTP/1.1 401\r\nWWW-Authenticate: Bearer\r\nWWW-Authenticate: Basic\r\n\r\n");
        byte[] body = [0xFF, .. Ascii(new string('x', 2000))];

        var error = ClientHandshake.Rejected(response, body);

        Assert.That(error.Message, Is.EqualTo("WebSocket handshake rejected: HTTP 401 Unauthorized"));
        Assert.That(error.Body, Is.EqualTo("\uFFFD" + new string('x', 1023)));
        Assert.That(error.Headers["WWW-Authenticate"], Is.EqualTo("Bearer, Basic"));
        Assert.That(error.IsTransient, Is.False);
    }

    [TestCase("HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\n\r\n", 12, false)]
    [TestCase("HTTP/1.1 401 Unauthorized\r\nContent-Length: 5000\r\n\r\n", 1024, false)]
    [TestCase("HTTP/1.1 503 Service Unavailable\r\n\r\n", 1024, true)]
    [TestCase("HTTP/1.1 503 Service Unavailable\r\nContent-Length: nope\r\n\r\n", 1024, true)]
    [TestCase("HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n", 0, false)]
    [TestCase("HTTP/1.1 304 Not Modified\r\n\r\n", 0, false)]
    [TestCase("HTTP/1.1 204 No Content\r\n\r\n", 0, false)]
    public void GetBodyExcerptLength_Response_BoundsLengthToOneKibibyte(string text, int expected, bool expectedUntilClose)
    {
        var length = ClientHandshake.GetBodyExcerptLength(ParseResponse(text), out var untilClose);

        Assert.That(length, Is.EqualTo(expected));
        Assert.That(untilClose, Is.EqualTo(expectedUntilClose));
    }

    [Test]
    public void WriteRequest_ThenServerValidates_AcceptsAndAgreesOnAcceptKey()
    {
        var client = new ClientHandshake(new Uri("ws://example.com/chat"), subProtocols: ["b", "a"]);
        var server = new ServerHandshake("/chat", subProtocols: ["a", "b"]);
        var output = new ArrayBufferWriter<byte>();
        client.WriteRequest(output);
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        HttpHead.TryParse(ref buffer, HttpHeadKind.Request, MaxHeaderBytes, out var request, out _);

        var result = server.Validate(request ?? throw new AssertionException("request did not parse"), null);

        Assert.That(result.IsAccepted, Is.True);
        Assert.That(result.AcceptKey, Is.EqualTo(client.ExpectedAccept));
        Assert.That(result.SubProtocol, Is.EqualTo("b"));
    }

    [Test]
    public void HandshakeException_TimedOut_IsTransientWithoutStatus()
    {
        var error = HandshakeException.TimedOut(TimeSpan.FromSeconds(10));

        Assert.That(error.StatusCode, Is.Null);
        Assert.That(error.IsTransient, Is.True);
        Assert.That(error.Headers, Is.Empty);
        Assert.That(error, Is.InstanceOf<RxSocketsException>());
    }

    [Test]
    public void HandshakeException_MalformedResponse_IsNotTransient()
    {
        var error = HandshakeException.MalformedResponse("bare LF in the HTTP head");

        Assert.That(error.StatusCode, Is.Null);
        Assert.That(error.IsTransient, Is.False);
        Assert.That(error.Message, Does.Contain("bare LF"));
    }
}
