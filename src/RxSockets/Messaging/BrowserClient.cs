namespace RxSockets;

/// <summary>
/// The browser client of the messaging protocol <c>rxsockets.v1</c>: one dependency-free ES module
/// (<c>rxsockets.js</c>, no build step) embedded in this assembly, for any server to serve to its pages — an
/// ASP.NET Core endpoint, <c>HttpListener</c>, a static file. Pages then
/// <c>import { connect } from "/rxsockets.js"</c> (README, "Browser client").
/// </summary>
/// <example>
/// <code>
/// app.MapGet("/" + BrowserClient.FileName, () => Results.Bytes(BrowserClient.GetScript(), BrowserClient.ContentType));
/// </code>
/// </example>
public static class BrowserClient
{
    /// <summary>The module's file name, <c>rxsockets.js</c>.</summary>
    public const string FileName = "rxsockets.js";

    /// <summary>The media type to serve the module with, <c>text/javascript</c> (browsers load a module script only
    /// with a JavaScript media type; the module is ASCII, so no charset is needed).</summary>
    public const string ContentType = "text/javascript";

    private const string ResourceName = "RxSockets.Browser.rxsockets.js";

    private static readonly Lazy<byte[]> s_script = new(Load);

    /// <summary>The module's bytes (a fresh copy, which the caller may keep or change).</summary>
    /// <returns>The UTF-8 (ASCII) text of <c>rxsockets.js</c>.</returns>
    public static byte[] GetScript() => (byte[])s_script.Value.Clone();

    /// <summary>Opens the module's bytes as a read-only stream (the embedded resource itself, no copy).</summary>
    /// <returns>A stream the caller disposes.</returns>
    public static Stream OpenScript() =>
        typeof(BrowserClient).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The resource {ResourceName} is missing from the RxSockets assembly.");

    private static byte[] Load()
    {
        using var stream = OpenScript();
        using var copy = new MemoryStream(checked((int)stream.Length));
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
