using System.Globalization;
using System.Text.Json;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>
/// The test's handle on a WebSocket that lives in a <see cref="BrowserPage"/>: every call evaluates a line of
/// <see cref="BrowserSocketScript"/> in the page. Thread-safety: one test drives an instance.
/// </summary>
public sealed class BrowserWebSocket
{
    private readonly BrowserPage _page;

    private BrowserWebSocket(BrowserPage page, BrowserOpened opened)
    {
        _page = page;
        Opened = opened;
    }

    /// <summary>Gets what the browser reported when the socket opened.</summary>
    /// <value>Its id, negotiated subprotocol and extensions.</value>
    public BrowserOpened Opened { get; }

    /// <summary>Runs <c>new WebSocket(url, protocols)</c> in <paramref name="page"/> and returns once it opened; a
    /// failed handshake throws <see cref="BrowserException"/>.</summary>
    public static async Task<BrowserWebSocket> OpenAsync(BrowserPage page, Uri url, IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(url);
        await page.EvaluateAsync(BrowserSocketScript.Source, cancellationToken);
        var opened = await page.EvaluateAsync<BrowserOpened>($"rxs.open({Json(url.AbsoluteUri)}, {Json(protocols)})", cancellationToken);
        return new BrowserWebSocket(page, opened);
    }

    /// <summary>Sends a text message from the page.</summary>
    public Task SendTextAsync(string text, CancellationToken cancellationToken) =>
        _page.EvaluateAsync($"rxs.sendText({Id}, {Json(text)})", cancellationToken);

    /// <summary>Sends a binary message (an <c>ArrayBuffer</c> view) from the page.</summary>
    public Task SendBinaryAsync(byte[] data, CancellationToken cancellationToken) =>
        _page.EvaluateAsync($"rxs.sendBinary({Id}, {Json(Convert.ToBase64String(data))})", cancellationToken);

    /// <summary>Returns the next message the page received, or null once the socket closed with none left.</summary>
    public async Task<BrowserMessage?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var value = await _page.EvaluateAsync($"rxs.receive({Id})", cancellationToken);
        return value.ValueKind == JsonValueKind.Object ? value.Deserialize<BrowserMessage>(JsonSerializerOptions.Web) : null;
    }

    /// <summary>Has the page generate a <paramref name="type"/> payload of <paramref name="length"/> (the generators of
    /// <c>InteropScenarios.Payloads</c>), send it, await the echo and compare it.</summary>
    public Task<BrowserEcho> EchoGeneratedAsync(MessageType type, int length, CancellationToken cancellationToken) =>
        _page.EvaluateAsync<BrowserEcho>(
            $"rxs.echoGenerated({Id}, {Json(type == MessageType.Text ? "text" : "binary")}, {length.ToString(CultureInfo.InvariantCulture)})", cancellationToken);

    /// <summary>Calls <c>WebSocket.close(code, reason)</c> in the page.</summary>
    public Task CloseAsync(int code, string reason, CancellationToken cancellationToken) =>
        _page.EvaluateAsync($"rxs.close({Id}, {code.ToString(CultureInfo.InvariantCulture)}, {Json(reason)})", cancellationToken);

    /// <summary>Waits for the page's close event and returns what it reported.</summary>
    public Task<BrowserClosed> WaitForCloseAsync(CancellationToken cancellationToken) =>
        _page.EvaluateAsync<BrowserClosed>($"rxs.closed({Id})", cancellationToken);

    private string Id => Opened.Id.ToString(CultureInfo.InvariantCulture);

    // JSON is a JavaScript literal, so serializing is the escaping.
    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
