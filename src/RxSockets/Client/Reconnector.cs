using System.Runtime.ExceptionServices;
using Polly;
using Polly.Retry;

namespace RxSockets.Client;

/// <summary>
/// Runs one outage of a reconnecting client through a Polly pipeline: the pipeline's first call reports the loss (it
/// throws the reason, so the pipeline's own rules decide whether to reconnect at all), each further call is one
/// connection attempt. Built from <see cref="ReconnectOptions"/> (exponential backoff on the client's clock), or the
/// user's own <see cref="ReconnectOptions.Pipeline"/>.
/// </summary>
internal sealed class Reconnector
{
    private readonly ReconnectOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _clock;
    private readonly Action<int, TimeSpan, Exception> _onReconnecting;

    /// <param name="onReconnecting">Told before each reconnect attempt: its number (from 1), delay and reason.</param>
    public Reconnector(ReconnectOptions options, TimeProvider clock, Action<int, TimeSpan, Exception> onReconnecting)
    {
        _options = options;
        _clock = clock;
        _onReconnecting = onReconnecting;
        _pipeline = options.Pipeline ?? Build(options, clock, onReconnecting);
    }

    /// <summary>Connects, retrying as the pipeline says.</summary>
    /// <param name="loss">Why the previous connection ended; null for a first or manual connection (attempted at once).</param>
    /// <param name="attempt">Makes attempt n (0 for the immediate first of a manual connection, then 1, 2, …), given
    /// the previous failure (null for the first).</param>
    /// <returns>The connection and the number of its attempt.</returns>
    /// <exception cref="Exception">The pipeline gave up: the last failure, or <paramref name="loss"/> itself when it is
    /// not worth a reconnect.</exception>
    public async ValueTask<(WebSocketConnection Connection, int Attempt)> RunAsync(
        Exception? loss, Func<int, Exception?, CancellationToken, ValueTask<WebSocketConnection>> attempt, CancellationToken cancellationToken)
    {
        var calls = 0;
        Exception? lastError = loss;
        var lastFailure = _clock.GetUtcNow();
        var custom = _options.Pipeline is not null;
        var connection = await _pipeline.ExecuteAsync(async token =>
        {
            var number = calls++;
            if (number == 0 && loss is not null)
            {
                ExceptionDispatchInfo.Throw(loss);
            }

            if (custom && number > 0 && lastError is not null)
            {
                _onReconnecting(number, _clock.GetUtcNow() - lastFailure, lastError);
            }

            try
            {
                return await attempt(number, lastError, token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                lastError = error;
                lastFailure = _clock.GetUtcNow();
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
        return (connection, calls - 1);
    }

    private static ResiliencePipeline Build(ReconnectOptions options, TimeProvider clock, Action<int, TimeSpan, Exception> onReconnecting)
    {
        var retry = new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } error and not OperationCanceledException && options.ShouldReconnect(error)),
            MaxRetryAttempts = options.MaxReconnectAttempts == 0 ? int.MaxValue : options.MaxReconnectAttempts,
            BackoffType = DelayBackoffType.Constant,
            Delay = TimeSpan.Zero,
            // A refusal's Retry-After is a floor, jitter or not: the server said when it can take us again.
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Max(
                Jittered(options, options.BackoffDelay(args.AttemptNumber + 1)),
                options.RetryAfterDelay(args.Outcome.Exception, clock.GetUtcNow()))),
            OnRetry = args =>
            {
                // Polly hands the outcome that triggered the retry: always an exception here (ShouldHandle demands one).
                onReconnecting(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception!);
                return default;
            },
        };
        return new ResiliencePipelineBuilder { TimeProvider = clock }.AddRetry(retry).Build();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a >= b ? a : b;

    private static TimeSpan Jittered(ReconnectOptions options, TimeSpan delay) =>
        options.Jitter == 0 ? delay : TimeSpan.FromTicks((long)(delay.Ticks * (1 - (options.Jitter * Random.Shared.NextDouble()))));
}
