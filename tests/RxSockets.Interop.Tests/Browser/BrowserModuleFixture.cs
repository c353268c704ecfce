using System.Text.Json;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>One headless Chromium and one page host serving <c>rxsockets.js</c> for a whole test class, shared by the
/// browser module's tests.</summary>
public abstract class BrowserModuleFixture
{
    private protected HeadlessBrowser Browser { get; private set; } = null!;

    private protected BrowserModuleHost Host { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task Launch()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Browser = await HeadlessBrowser.LaunchAsync(null, timeout.Token);
        Host = await BrowserModuleHost.StartAsync(timeout.Token);
    }

    [OneTimeTearDown]
    public async Task Close()
    {
        await Host.DisposeAsync();
        await Browser.DisposeAsync();
    }

    /// <summary>A value as a JavaScript literal (a URL as its absolute string).</summary>
    private protected static string Json(object value) => JsonSerializer.Serialize(value is Uri uri ? uri.AbsoluteUri : value);
}
