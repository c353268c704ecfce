using System.Buffers;
using RxSockets.Protocol.Handshake;
using static RxSockets.Tests.Protocol.Handshake.HandshakeTestData;

namespace RxSockets.Tests.Protocol.Handshake;

public class HttpHeadTests
{
    private const string Request =
        "GET /chat?room=1 HTTP/1.1\r\n" +
        "Host: server.example.com\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: keep-alive, Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Protocol: chat\r\n" +
        "Sec-WebSocket-Protocol: superchat\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "\r\n";

    private const string Response =
        "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
        "\r\n";

    private static readonly byte[] s_trailingFrame = [0x81, 0x02, 0x48, 0x69];

    [Test]
    public void TryParse_RequestSplitAtEveryByte_ParsesSameHeadAndLeavesFrameBytes()
    {
        var bytes = Ascii(Request).Concat(s_trailingFrame).ToArray();

        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var buffer = Split(bytes, cut, cut / 2);

            var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, MaxHeaderBytes, out var head, out _);

            Assert.That(status, Is.EqualTo(HttpHeadParseStatus.Complete), $"cut at {cut}");
            Assert.That(head?.Method, Is.EqualTo("GET"));
            Assert.That(head?.Target, Is.EqualTo("/chat?room=1"));
            Assert.That(head?.Version, Is.EqualTo(new Version(1, 1)));
            Assert.That(head?.Headers, Has.Count.EqualTo(7));
            Assert.That(buffer.ToArray(), Is.EqualTo(s_trailingFrame), $"cut at {cut}");
        }
    }

    [Test]
    public void TryParse_RequestPrefixes_NeedMoreDataAndLeaveBufferUntouched()
    {
        var bytes = Ascii(Request);

        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = Split(bytes[..length], length / 3, length / 2);
            var before = buffer;

            var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, MaxHeaderBytes, out var head, out var error);

            Assert.That(status, Is.EqualTo(HttpHeadParseStatus.NeedMoreData), $"length {length}");
            Assert.That(head, Is.Null);
            Assert.That(error, Is.Null);
            Assert.That(buffer, Is.EqualTo(before));
        }
    }

    [Test]
    public void TryParse_ResponseSplitAtEveryByte_ParsesStatusAndReason()
    {
        var bytes = Ascii(Response);

        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var buffer = Split(bytes, cut);

            var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Response, MaxHeaderBytes, out var head, out _);

            Assert.That(status, Is.EqualTo(HttpHeadParseStatus.Complete), $"cut at {cut}");
            Assert.That(head?.Kind, Is.EqualTo(HttpHeadKind.Response));
            Assert.That(head?.StatusCode, Is.EqualTo(101));
            Assert.That(head?.ReasonPhrase, Is.EqualTo("Switching Protocols"));
            Assert.That(head?.GetValue("sec-websocket-accept"), Is.EqualTo(SampleAccept));
            Assert.That(buffer.IsEmpty, Is.True);
        }
    }

    [TestCase("HTTP/1.1 101\r\n\r\n", "")]
    [TestCase("HTTP/1.1 401 \r\n\r\n", "")]
    [TestCase("HTTP/1.0 503 Service Unavailable\r\n\r\n", "Service Unavailable")]
    public void TryParse_StatusLineWithoutOrWithReason_KeepsReasonPhrase(string text, string reason)
    {
        var head = ParseResponse(text);

        Assert.That(head.ReasonPhrase, Is.EqualTo(reason));
    }

    [Test]
    public void GetValue_RepeatedHeaderAnyCase_CombinesValuesInOrder()
    {
        var head = ParseRequest(Request);

        var protocols = head.GetValue("SEC-WEBSOCKET-PROTOCOL");

        Assert.That(protocols, Is.EqualTo("chat, superchat"));
        Assert.That(head.GetValues("sec-websocket-protocol"), Is.EqualTo(new[] { "chat", "superchat" }));
        Assert.That(head.GetListElements("Sec-WebSocket-Protocol"), Is.EqualTo(new[] { "chat", "superchat" }));
        Assert.That(head.GetValue("Cookie"), Is.Null);
    }

    [TestCase("Connection", "upgrade", true)]
    [TestCase("connection", "KEEP-ALIVE", true)]
    [TestCase("Connection", "close", false)]
    [TestCase("Upgrade", "WebSocket", true)]
    [TestCase("Upgrade", "web", false)]
    public void ContainsToken_CommaList_MatchesWholeTokensIgnoringCase(string name, string token, bool expected)
    {
        var head = ParseRequest(Request);

        var contains = head.ContainsToken(name, token);

        Assert.That(contains, Is.EqualTo(expected));
    }

    [Test]
    public void TryParse_ValueWithSurroundingWhitespace_TrimsIt()
    {
        var head = ParseRequest("GET / HTTP/1.1\r\nHost:\t example.com  \r\nX-Empty:\r\n\r\n");

        Assert.That(head.GetValue("Host"), Is.EqualTo("example.com"));
        Assert.That(head.GetValue("X-Empty"), Is.EqualTo(string.Empty));
    }

    [Test]
    public void TryParse_HeadLongerThanLimitWithoutEnd_ReturnsTooLarge()
    {
        var buffer = new ReadOnlySequence<byte>(Ascii("GET / HTTP/1.1\r\nX-Filler: " + new string('a', 100)));

        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, 64, out var head, out var error);

        Assert.That(status, Is.EqualTo(HttpHeadParseStatus.TooLarge));
        Assert.That(head, Is.Null);
        Assert.That(error, Does.Contain("64"));
    }

    [Test]
    public void TryParse_HeadExactlyAtLimit_Completes()
    {
        var bytes = Ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var buffer = new ReadOnlySequence<byte>(bytes);

        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, bytes.Length, out _, out _);
        var shorter = new ReadOnlySequence<byte>(bytes);
        var shorterStatus = HttpHead.TryParse(ref shorter, HttpHeadKind.Request, bytes.Length - 1, out _, out _);

        Assert.That(status, Is.EqualTo(HttpHeadParseStatus.Complete));
        Assert.That(shorterStatus, Is.EqualTo(HttpHeadParseStatus.TooLarge));
    }

    [Test]
    public void TryParse_TooManyHeaderFields_ReturnsTooLarge()
    {
        var fields = string.Concat(Enumerable.Range(0, 11).Select(i => $"X-{i}: v\r\n"));
        var buffer = new ReadOnlySequence<byte>(Ascii($"GET / HTTP/1.1\r\n{fields}\r\n"));

        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, MaxHeaderBytes, out _, out var error, maxHeaderCount: 10);

        Assert.That(status, Is.EqualTo(HttpHeadParseStatus.TooLarge));
        Assert.That(error, Does.Contain("10"));
    }

    [TestCase("GET / HTTP/1.1\nHost: a\r\n\r\n", "bare LF")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\n", "bare LF")]
    [TestCase("GET / HTTP/1.1\rHost: a\r\n\r\n", "bare CR")]
    [TestCase("\r\nGET / HTTP/1.1\r\n\r\n", "empty line")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n", "folding")]
    [TestCase("GET / HTTP/1.1\r\nHost a\r\n\r\n", "colon")]
    [TestCase("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "name")]
    [TestCase("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", "name")]
    [TestCase("GET / HTTP/1.1\r\n: a\r\n\r\n", "name")]
    [TestCase("GET / HTTP/1.1\r\nX-Nul: a\0b\r\n\r\n", "control")]
    [TestCase("GET /  HTTP/1.1\r\n\r\n", "version")]
    [TestCase("GET  / HTTP/1.1\r\n\r\n", "target")]
    [TestCase("GET / HTTP/1.1 \r\n\r\n", "version")]
    [TestCase("GET /\r\n\r\n", "target")]
    [TestCase("GET / http/1.1\r\n\r\n", "version")]
    [TestCase("GET / HTTP/11\r\n\r\n", "version")]
    [TestCase("G(T / HTTP/1.1\r\n\r\n", "request line")]
    public void TryParse_MalformedRequest_ReturnsMalformedWithReason(string text, string reason)
    {
        var buffer = new ReadOnlySequence<byte>(Ascii(text));
        var before = buffer;

        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, MaxHeaderBytes, out var head, out var error);

        Assert.That(status, Is.EqualTo(HttpHeadParseStatus.Malformed));
        Assert.That(head, Is.Null);
        Assert.That(error, Does.Contain(reason));
        Assert.That(buffer, Is.EqualTo(before));
    }

    [TestCase("HTTP/1.1 10 Short\r\n\r\n")]
    [TestCase("HTTP/1.1 1O1 Letter\r\n\r\n")]
    [TestCase("HTTP/1.1 101Switching\r\n\r\n")]
    [TestCase("HTTP/1.1\r\n\r\n")]
    [TestCase("GET / HTTP/1.1\r\n\r\n")]
    [TestCase("ICY 200 OK\r\n\r\n")]
    public void TryParse_MalformedStatusLine_ReturnsMalformed(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Ascii(text));

        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Response, MaxHeaderBytes, out _, out var error);

        Assert.That(status, Is.EqualTo(HttpHeadParseStatus.Malformed));
        Assert.That(error, Is.EqualTo("invalid status line"));
    }

    [Test]
    public void TryParse_BareLfBeforeHeadEnds_ReportsMalformedWithoutWaiting()
    {
        var buffer = new ReadOnlySequence<byte>(Ascii("GET / HTTP/1.1\n"));

        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, MaxHeaderBytes, out _, out _);

        Assert.That(status, Is.EqualTo(HttpHeadParseStatus.Malformed));
    }

    [Test]
    public void TryParse_Utf8HeaderValue_DecodesAsUtf8()
    {
        var bytes = Ascii("GET / HTTP/1.1\r\nX-Name: \r\n\r\n");
        bytes = [.. bytes[..24], 0xC3, 0xA9, .. bytes[24..]];
        var buffer = new ReadOnlySequence<byte>(bytes);

        HttpHead.TryParse(ref buffer, HttpHeadKind.Request, MaxHeaderBytes, out var head, out _);

        Assert.That(head?.GetValue("X-Name"), Is.EqualTo("é"));
    }

    [Test]
    public void Count_RepeatedAndMissingFields_CountsAndGivesTheFirstValue()
    {
        var head = ParseRequest(Request);

        Assert.That(head.Count("sec-websocket-protocol", out var protocol), Is.EqualTo(2));
        Assert.That(protocol, Is.EqualTo("chat"));
        Assert.That(head.Count("Origin", out var origin), Is.Zero);
        Assert.That(origin, Is.Null);
        Assert.That(head.GetValue("Sec-WebSocket-Protocol"), Is.EqualTo("chat, superchat"));
    }

    // Alone: the table of recent strings is one per process and lossy, so requests parsed by tests running at the same
    // time may take its slots between the two parses.
    [Test, NonParallelizable]
    public void TryParse_TwoRequestsFromOneClient_ShareTheTextThatRepeats()
    {
        // A server keeps every connection's request: the Host, the path and the method are one string for all of them,
        // while the key (a per-connection nonce) and a query (it may carry a token) stay each request's own.
        const string Second = "GET /chat?room=2 HTTP/1.1\r\nHost: server.example.com\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\r\n";
        var first = ParseRequest("GET /chat HTTP/1.1\r\nHost: server.example.com\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var again = ParseRequest("GET /chat HTTP/1.1\r\nHost: server.example.com\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var withQuery = ParseRequest(Second);
        var withQueryAgain = ParseRequest(Second);

        Assert.That(again.Method, Is.SameAs(first.Method));
        Assert.That(again.Target, Is.SameAs(first.Target));
        Assert.That(again.Version, Is.SameAs(first.Version));
        Assert.That(again.Headers[0].Value, Is.SameAs(first.Headers[0].Value));
        Assert.That(again.Headers[1].Value, Is.Not.SameAs(first.Headers[1].Value));
        Assert.That(withQueryAgain.Target, Is.EqualTo("/chat?room=2").And.Not.SameAs(withQuery.Target));
    }

    [Test]
    public void TryParse_OtherHttpVersion_ParsesIt()
    {
        var head = ParseRequest("GET / HTTP/2.7\r\nHost: a\r\n\r\n");

        Assert.That(head.Version, Is.EqualTo(new Version(2, 7)));
    }
}
