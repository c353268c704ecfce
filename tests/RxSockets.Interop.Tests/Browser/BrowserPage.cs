using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>
/// One tab of a <see cref="HeadlessBrowser"/>: evaluates scripts (awaiting their promises) and records console
/// output and uncaught exceptions as lines. Thread-safety: <see cref="EvaluateAsync"/> may be called concurrently;
/// <see cref="WaitForConsoleLineAsync"/> must not be called concurrently with itself.
/// </summary>
public sealed class BrowserPage
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly DevToolsConnection _devTools;
    private readonly string _sessionId;
    private readonly ConcurrentQueue<string> _console = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal BrowserPage(DevToolsConnection devTools, string sessionId)
    {
        _devTools = devTools;
        _sessionId = sessionId;
        devTools.Route(sessionId, OnEvent);
    }

    /// <summary>Gets every console line so far: <c>console.*</c> arguments joined by spaces,
    /// <c>uncaught &lt;description&gt;</c> for exceptions no script caught, and <c>&lt;level&gt; &lt;text&gt;</c> for the
    /// browser's own log entries (a failed WebSocket handshake, a blocked request).</summary>
    /// <value>A snapshot, including lines already consumed by waits.</value>
    public IReadOnlyList<string> ConsoleLines => [.. _console];

    /// <summary>Evaluates <paramref name="expression"/> in the page, awaits it when it is a promise, and returns its value
    /// as JSON. A script that throws (or rejects) throws <see cref="BrowserException"/> with the JavaScript error.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var parameters = new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true };
        var result = await SendAsync("Runtime.evaluate", parameters, cancellationToken);
        if (result.TryGetProperty("exceptionDetails", out var details))
        {
            var description = details.TryGetProperty("exception", out var exception) && exception.TryGetProperty("description", out var text)
                ? text.GetString()
                : details.GetProperty("text").GetString();
            throw new BrowserException($"The page's script failed: {description}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    /// <summary>Evaluates <paramref name="expression"/> like <see cref="EvaluateAsync"/> and deserializes the value
    /// (camelCase JSON names, as JavaScript writes them).</summary>
    public async Task<T> EvaluateAsync<T>(string expression, CancellationToken cancellationToken)
    {
        var value = await EvaluateAsync(expression, cancellationToken);
        return value.Deserialize<T>(s_json) ?? throw new BrowserException($"The script returned null instead of a {typeof(T).Name}: {expression}");
    }

    /// <summary>Navigates to <paramref name="url"/> (http, data: or about:blank) and returns once its load event fired.</summary>
    public async Task NavigateAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _loaded, loaded);
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.AbsoluteUri }, cancellationToken);
        if (result.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } errorText)
        {
            throw new BrowserException($"Navigation to {url} failed: {errorText}");
        }

        await loaded.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits for the next console line that satisfies <paramref name="match"/>; lines before it are consumed.</summary>
    public async Task<string> WaitForConsoleLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        await foreach (var line in _lines.Reader.ReadAllAsync(cancellationToken))
        {
            if (match(line))
            {
                return line;
            }
        }

        throw new BrowserException("The page's console closed.");
    }

    /// <summary>Sets the tab's viewport to <paramref name="width"/> by <paramref name="height"/> CSS pixels (headless
    /// Chromium's window is 800 by 600).</summary>
    public Task SetViewportAsync(int width, int height, CancellationToken cancellationToken) =>
        SendAsync("Emulation.setDeviceMetricsOverride",
            new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false }, cancellationToken);

    /// <summary>Takes a PNG screenshot of the tab's viewport.</summary>
    /// <returns>The PNG file's bytes.</returns>
    public async Task<byte[]> CaptureScreenshotAsync(CancellationToken cancellationToken)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, cancellationToken);
        return Convert.FromBase64String(result.GetProperty("data").GetString() ?? throw new BrowserException("Page.captureScreenshot returned no data."));
    }

    internal Task<JsonElement> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken) =>
        _devTools.SendAsync(method, parameters, _sessionId, cancellationToken);

    private static string Describe(JsonElement remoteObject) =>
        remoteObject.TryGetProperty("value", out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText()
            : remoteObject.TryGetProperty("description", out var description) ? description.GetString() ?? string.Empty
            : remoteObject.TryGetProperty("type", out var type) ? type.GetString() ?? string.Empty : string.Empty;

    private void OnEvent(string method, JsonElement parameters)
    {
        switch (method)
        {
            case "Runtime.consoleAPICalled":
                AddLine(string.Join(' ', parameters.GetProperty("args").EnumerateArray().Select(Describe)));
                break;
            case "Runtime.exceptionThrown":
                var details = parameters.GetProperty("exceptionDetails");
                var text = details.TryGetProperty("exception", out var exception) ? Describe(exception) : details.GetProperty("text").GetString();
                AddLine(string.Create(CultureInfo.InvariantCulture, $"uncaught {text}"));
                break;
            case "Log.entryAdded":
                var entry = parameters.GetProperty("entry");
                AddLine($"{entry.GetProperty("level").GetString()} {entry.GetProperty("text").GetString()}");
                break;
            case "Page.loadEventFired":
                Volatile.Read(ref _loaded).TrySetResult();
                break;
        }
    }

    private void AddLine(string line)
    {
        _console.Enqueue(line);
        _lines.Writer.TryWrite(line);
    }
}
