using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RxSockets.Redis;

/// <summary>How a <see cref="RedisBackplane"/> reaches Redis and how it tells live nodes from dead ones.</summary>
/// <remarks>
/// Every node of a cluster must use the same <see cref="KeyPrefix"/> (and should use the same <see cref="NodeTimeout"/>).
/// The options are read once, by the <see cref="RedisBackplane"/> constructor, which validates them.
/// </remarks>
public sealed class RedisBackplaneOptions
{
    /// <summary>The StackExchange.Redis configuration string, for example <c>"127.0.0.1:6379"</c> or
    /// <c>"redis.local:6379,password=secret,defaultDatabase=2"</c>. Required (unless the backplane is given a
    /// connection). The backplane overrides <c>abortConnect</c> (false: it reconnects by itself),
    /// <c>connectTimeout</c> (<see cref="ConnectTimeout"/>) and the backlog policy (fail fast).</summary>
    public string? Configuration { get; set; }

    /// <summary>The prefix of every Redis key and channel the backplane uses; nodes with the same prefix form one cluster.
    /// Default <c>"rxsockets"</c>.</summary>
    public string KeyPrefix { get; set; } = "rxsockets";

    /// <summary>This node's id, unique in the cluster; null (the default) for a random 12-hex-digit id per backplane
    /// instance. A node started again with the same id first removes what its previous run left behind (its presence
    /// entries, announced as leaves). At most 128 characters, none of them a control character or <c>'|'</c>.</summary>
    public string? NodeId { get; set; }

    /// <summary>How often the node writes its heartbeat (and its client count) and looks for dead nodes. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A node whose last heartbeat is older than this (by the Redis server's clock) is dead: any other node
    /// removes its presence entries and announces their leaves. Must be longer than <see cref="HeartbeatInterval"/>.
    /// Default 5 s. A dead node's members disappear everywhere within <c>NodeTimeout + HeartbeatInterval</c> (while
    /// some other node is alive and connected).</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long <see cref="RedisBackplane.StartAsync"/> waits for Redis before it throws
    /// <see cref="Scaling.BackplaneUnavailableException"/>; also each connection attempt's timeout and how long a
    /// restored connection has to prove its subscriptions live. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock of the heartbeat timer (liveness itself is judged by the Redis server's clock).
    /// Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the backplane logs (connection loss and restoration, reaped nodes, failures of background work);
    /// null for no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Reads a <c>redis://</c> URL: <c>redis://HOST</c> (port 6379), <c>redis://HOST:PORT</c>,
    /// <c>redis://:PASSWORD@HOST:PORT</c>, <c>redis://USER:PASSWORD@HOST:PORT</c>, each optionally followed by
    /// <c>/DB</c> (the database number). The user and password may be percent-encoded.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>Options with <see cref="Configuration"/> set and everything else at its default.</returns>
    /// <exception cref="FormatException">The text is not such a URL.</exception>
    public static RedisBackplaneOptions FromUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        const string Expected = "expected redis://[[user]:password@]host[:port][/db]";
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            || !string.Equals(uri.Scheme, "redis", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"'{url}' is not a Redis URL: {Expected}.");
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new FormatException($"'{url}' is not a Redis URL: a query or fragment is not supported; {Expected}.");
        }

        if (!uri.IsDefaultPort && uri.Port == 0)
        {
            throw new FormatException($"'{url}' is not a Redis URL: port 0 cannot be connected to; {Expected}.");
        }

        var configuration = new ConfigurationOptions();
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        configuration.EndPoints.Add(host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var database))
            {
                throw new FormatException($"'{url}' is not a Redis URL: the path '/{path}' is not a database number; {Expected}.");
            }

            configuration.DefaultDatabase = database;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var password = colon < 0 ? string.Empty : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            if (password.Length == 0)
            {
                throw new FormatException($"'{url}' is not a Redis URL: the user info has no password; {Expected}.");
            }

            if (password.Contains(',', StringComparison.Ordinal) || user.Contains(',', StringComparison.Ordinal))
            {
                throw new FormatException($"'{url}': a user or password holding ',' cannot be passed on; use a configuration string.");
            }

            configuration.User = user.Length > 0 ? user : null;
            configuration.Password = password;
        }

        return new RedisBackplaneOptions { Configuration = configuration.ToString(includePassword: true) };
    }

    /// <summary>A copy, validated: what the backplane keeps.</summary>
    internal static RedisBackplaneOptions Validate(RedisBackplaneOptions options, bool needsConfiguration)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Validate(needsConfiguration, nameof(options));
    }

    private RedisBackplaneOptions Validate(bool needsConfiguration, string parameter)
    {
        if (needsConfiguration)
        {
            if (string.IsNullOrWhiteSpace(Configuration))
            {
                throw new ArgumentException("RedisBackplaneOptions.Configuration is required (for example \"127.0.0.1:6379\").", parameter);
            }

            try
            {
                var parsed = ConfigurationOptions.Parse(Configuration);
                if (parsed.EndPoints.Count == 0)
                {
                    throw new ArgumentException($"RedisBackplaneOptions.Configuration '{Configuration}' names no endpoint.", parameter);
                }
            }
            catch (Exception error) when (error is not ArgumentException)
            {
                throw new ArgumentException($"RedisBackplaneOptions.Configuration is not a valid StackExchange.Redis configuration: {error.Message}", parameter, error);
            }
            catch (ArgumentException error) when (error.ParamName != parameter)
            {
                throw new ArgumentException($"RedisBackplaneOptions.Configuration is not a valid StackExchange.Redis configuration: {error.Message}", parameter, error);
            }
        }

        if (string.IsNullOrEmpty(KeyPrefix) || KeyPrefix.Any(char.IsControl))
        {
            throw new ArgumentException("RedisBackplaneOptions.KeyPrefix must be non-empty, without control characters.", parameter);
        }

        if (NodeId is not null && (NodeId.Length is 0 or > 128 || NodeId.Any(c => char.IsControl(c) || c == '|')))
        {
            throw new ArgumentException("RedisBackplaneOptions.NodeId must be 1 to 128 characters, none of them a control character or '|'.", parameter);
        }

        if (HeartbeatInterval <= TimeSpan.Zero || HeartbeatInterval.TotalMilliseconds < 1 || HeartbeatInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentException("RedisBackplaneOptions.HeartbeatInterval must be between 1 ms and 1 hour.", parameter);
        }

        if (NodeTimeout <= HeartbeatInterval || NodeTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentException("RedisBackplaneOptions.NodeTimeout must be longer than HeartbeatInterval (and at most a day).", parameter);
        }

        if (ConnectTimeout < TimeSpan.FromMilliseconds(1) || ConnectTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException("RedisBackplaneOptions.ConnectTimeout must be between 1 ms and 10 minutes.", parameter);
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("RedisBackplaneOptions.TimeProvider must not be null.", parameter);
        }

        return new RedisBackplaneOptions
        {
            Configuration = Configuration,
            KeyPrefix = KeyPrefix,
            NodeId = NodeId,
            HeartbeatInterval = HeartbeatInterval,
            NodeTimeout = NodeTimeout,
            ConnectTimeout = ConnectTimeout,
            TimeProvider = TimeProvider,
            LoggerFactory = LoggerFactory,
        };
    }
}
