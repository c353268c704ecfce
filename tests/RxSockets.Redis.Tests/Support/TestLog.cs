using Microsoft.Extensions.Logging;

namespace RxSockets.Redis.Tests.Support;

/// <summary>Writes the backplane's log to the current test's output (shown with a failure), tagged with a name.</summary>
internal sealed class TestLog(string name) : ILoggerFactory, ILogger
{
    private readonly TextWriter _output = TestContext.Out;

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var line = $"{DateTime.UtcNow:HH:mm:ss.fff} [{name}] {logLevel}: {formatter(state, exception)}{(exception is null ? string.Empty : " (" + exception.GetType().Name + ": " + exception.Message + ")")}";
        lock (_output)
        {
            _output.WriteLine(line);
        }
    }

    public void Dispose()
    {
    }
}
