using System.Globalization;
using System.Net;
using RxSockets.Scaling;
using StackExchange.Redis;

namespace RxSockets.Redis;

// The Redis connection: connecting, losing and regaining it, and mapping an unreachable Redis to
// BackplaneUnavailableException.
public sealed partial class RedisBackplane
{
    private async Task<IConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration!);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = (int)Math.Ceiling(_options.ConnectTimeout.TotalMilliseconds);
        configuration.ConnectRetry = 1;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var connecting = ConnectionMultiplexer.ConnectAsync(configuration);
        try
        {
            return await connecting.WaitAsync(_options.ConnectTimeout * 2, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is TimeoutException or OperationCanceledException)
        {
            _ = connecting.ContinueWith(
                static task =>
                {
                    if (task.IsCompletedSuccessfully)
                    {
                        task.Result.Dispose();
                    }

                    _ = task.Exception;
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (error is TimeoutException)
            {
                throw new BackplaneUnavailableException(
                    $"Redis at {_endPoint} is unreachable: no connection within {_options.ConnectTimeout.TotalSeconds:0.###} s (ConnectTimeout).", error);
            }

            throw;
        }
    }

    private static async Task<bool> WaitConnectedAsync(IConnectionMultiplexer connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return connection.IsConnected;
        }

        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRestored(object? sender, ConnectionFailedEventArgs e) => connected.TrySetResult();
        connection.ConnectionRestored += OnRestored;
        try
        {
            if (connection.IsConnected)
            {
                return true;
            }

            await connected.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return connection.IsConnected;
        }
        catch (TimeoutException)
        {
            return connection.IsConnected;
        }
        finally
        {
            connection.ConnectionRestored -= OnRestored;
        }
    }

    private async Task AbandonStartAsync(IConnectionMultiplexer? connection)
    {
        try
        {
            foreach (var subscription in _subscriptions.Values)
            {
                await RetireAsync(subscription).ConfigureAwait(false);
            }

            _subscriptions.Clear();
            if (connection is not null)
            {
                connection.ConnectionFailed -= OnConnectionFailed;
                connection.ConnectionRestored -= OnConnectionRestored;
                if (_givenConnection is null)
                {
                    await Quietly(connection.CloseAsync(allowCommandsToComplete: false), _options.ConnectTimeout).ConfigureAwait(false);
                    connection.Dispose();
                }
            }
        }
        catch (Exception error)
        {
            Log.DisposeFailed(_logger, NodeId, error);
        }

        _connection = null;
        _database = null;
        _subscriber = null;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _state) is not (Starting or Started) || _crashed)
        {
            return;
        }

        Interlocked.Increment(ref _failures);
        RedisMetrics.ConnectionFailed();
        if (Interlocked.Exchange(ref _lost, 1) == 1)
        {
            return;
        }

        Log.ConnectionLost(_logger, NodeId, e.ConnectionType.ToString(), e.FailureType.ToString(), e.Exception);
        try
        {
            _handler?.OnConnectionLost(e.Exception ?? new BackplaneUnavailableException($"The connection to Redis at {_endPoint} failed: {e.FailureType}."));
        }
        catch (Exception error)
        {
            Log.HandlerFailed(_logger, NodeId, error);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _state) != Started || _crashed || Volatile.Read(ref _lost) == 0)
        {
            return;
        }

        StartRestoring();
    }

    /// <summary>Awaits a Redis call under a cancellation token (the call itself cannot be cancelled: its outcome is
    /// observed even when the caller gave up), mapping an unreachable Redis to
    /// <see cref="BackplaneUnavailableException"/>.</summary>
    private async Task<T> RunAsync<T>(Task<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return cancellationToken.CanBeCanceled
                ? await call.WaitAsync(cancellationToken).ConfigureAwait(false)
                : await call.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !call.IsCompleted)
        {
            Observe(call);
            throw;
        }
        catch (Exception error) when (IsUnavailable(error) && error is not BackplaneUnavailableException)
        {
            throw Unavailable(error);
        }
    }

    private BackplaneUnavailableException Unavailable(Exception error) =>
        new($"Redis at {_endPoint} is unreachable: {error.Message}", error);

    private static bool IsUnavailable(Exception error) => error switch
    {
        BackplaneUnavailableException or RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        _ => false,
    };

    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static async Task Quietly(Task task, TimeSpan bound)
    {
        try
        {
            await task.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // disposal never throws; a task still running is observed below
        }

        if (!task.IsCompleted)
        {
            Observe(task);
        }
    }

    private static string FormatEndPoints(IEnumerable<EndPoint> endPoints)
    {
        var text = string.Join(",", endPoints.Select(endPoint => endPoint switch
        {
            DnsEndPoint dns => dns.Host + ":" + dns.Port.ToString(CultureInfo.InvariantCulture),
            _ => endPoint.ToString(),
        }));
        return text.Length == 0 ? "(no endpoint)" : text;
    }
}
