namespace RxSockets.Interop.Tests.Browser;

/// <summary>Chromium or its DevTools protocol failed: the browser did not start, a command returned an error, or a
/// script threw. The message carries what the browser reported.</summary>
public sealed class BrowserException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public BrowserException()
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public BrowserException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public BrowserException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
