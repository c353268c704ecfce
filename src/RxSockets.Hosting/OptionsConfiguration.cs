using Microsoft.Extensions.Configuration;

namespace RxSockets.Hosting;

/// <summary>What each configuration key of a client or server section sets. The keys are the property names of the
/// core options (README, "Dependency injection", lists them); anything only code can express (TLS callbacks, a proxy,
/// a backplane, handshake hooks, a scheduler) is set from code.</summary>
internal static class OptionsConfiguration
{
    public static void ApplyClient(IConfigurationSection section, RxSocketsClientOptions options)
    {
        var read = new ConfigurationReader(section);
        read.Url(nameof(RxSocketsClientOptions.Url), value => options.Url = value);
        read.Boolean(nameof(RxSocketsClientOptions.Start), value => options.Start = value);

        var client = options.Client;
        read.List(nameof(WebSocketClientOptions.SubProtocols), client.SubProtocols);
        read.Map(nameof(WebSocketClientOptions.Headers), client.Headers);
        read.String(nameof(WebSocketClientOptions.Origin), value => client.Origin = value);
        read.Boolean(nameof(WebSocketClientOptions.FollowRedirects), value => client.FollowRedirects = value);
        read.Int32(nameof(WebSocketClientOptions.MaxRedirects), value => client.MaxRedirects = value);
        read.Boolean(nameof(WebSocketClientOptions.UseEnvironmentProxy), value => client.UseEnvironmentProxy = value);
        ApplyConnection(read, client);

        var reconnect = read.Child(nameof(RxSocketsClientOptions.Reconnect));
        var target = options.Reconnect;
        reconnect.Duration(nameof(ReconnectOptions.ReconnectDelay), value => target.ReconnectDelay = value);
        reconnect.Duration(nameof(ReconnectOptions.MaxReconnectDelay), value => target.MaxReconnectDelay = value);
        reconnect.Double(nameof(ReconnectOptions.Jitter), value => target.Jitter = value);
        reconnect.Int32(nameof(ReconnectOptions.MaxReconnectAttempts), value => target.MaxReconnectAttempts = value);
        reconnect.Int32(nameof(ReconnectOptions.SendQueueCapacity), value => target.SendQueueCapacity = value);
        reconnect.Int64(nameof(ReconnectOptions.MaxQueuedBytes), value => target.MaxQueuedBytes = value);
        reconnect.Enum<SendQueueOverflow>(nameof(ReconnectOptions.SendOverflow), value => target.SendOverflow = value);
        reconnect.RejectUnknown();
        read.RejectUnknown();
    }

    public static void ApplyServer(IConfigurationSection section, WebSocketServerOptions options)
    {
        var read = new ConfigurationReader(section);
        read.String(nameof(WebSocketServerOptions.Host), value => options.Host = value);
        read.Int32(nameof(WebSocketServerOptions.Port), value => options.Port = value);
        read.String(nameof(WebSocketServerOptions.Path), value => options.Path = value);
        read.Int32(nameof(WebSocketServerOptions.MaxConnections), value => options.MaxConnections = value);
        read.Int32(nameof(WebSocketServerOptions.MaxPendingHandshakes), value => options.MaxPendingHandshakes = value);
        read.Int32(nameof(WebSocketServerOptions.MaxConnectionsPerAddress), value => options.MaxConnectionsPerAddress = value);
        read.Double(nameof(WebSocketServerOptions.MessageRateLimit), value => options.MessageRateLimit = value);
        read.Int32(nameof(WebSocketServerOptions.MessageRateBurst), value => options.MessageRateBurst = value);
        read.Int32(nameof(WebSocketServerOptions.BroadcastQueueLimit), value => options.BroadcastQueueLimit = value);
        read.Int64(nameof(WebSocketServerOptions.BroadcastByteLimit), value => options.BroadcastByteLimit = value);
        read.Duration(nameof(WebSocketServerOptions.BroadcastWaitTimeout), value => options.BroadcastWaitTimeout = value);
        read.Enum<BroadcastOverflow>(nameof(WebSocketServerOptions.BroadcastOverflow), value => options.BroadcastOverflow = value);
        read.Int32(nameof(WebSocketServerOptions.Backlog), value => options.Backlog = value);
        read.List(nameof(WebSocketServerOptions.AllowedOrigins), options.AllowedOrigins);
        read.List(nameof(WebSocketServerOptions.SubProtocols), options.SubProtocols);
        read.String(nameof(WebSocketServerOptions.CertificatePath), value => options.CertificatePath = value);
        read.String(nameof(WebSocketServerOptions.CertificatePassword), value => options.CertificatePassword = value);
        read.Boolean(nameof(WebSocketServerOptions.ClientCertificateRequired), value => options.ClientCertificateRequired = value);
        ApplyConnection(read, options);
        read.RejectUnknown();
    }

    /// <summary>The keys every connection shares (<see cref="ConnectionOptions"/>). <c>PerMessageDeflate: true</c>
    /// offers (client) or accepts (server) compression with the default <see cref="PerMessageDeflateOptions"/>.</summary>
    private static void ApplyConnection(ConfigurationReader read, ConnectionOptions options)
    {
        read.Int64(nameof(ConnectionOptions.MaxMessageSize), value => options.MaxMessageSize = value);
        read.Int32(nameof(ConnectionOptions.MaxFragments), value => options.MaxFragments = value);
        read.Int32(nameof(ConnectionOptions.ReceiveQueueCapacity), value => options.ReceiveQueueCapacity = value);
        read.Int32(nameof(ConnectionOptions.SendQueueCapacity), value => options.SendQueueCapacity = value);
        read.Int64(nameof(ConnectionOptions.MaxQueuedBytes), value => options.MaxQueuedBytes = value);
        read.Boolean(nameof(ConnectionOptions.InlineDelivery), value => options.InlineDelivery = value);
        read.Enum<OutgoingOverflow>(nameof(ConnectionOptions.OutgoingOverflow), value => options.OutgoingOverflow = value);
        read.Int32(nameof(ConnectionOptions.FragmentSize), value => options.FragmentSize = value);
        read.Duration(nameof(ConnectionOptions.KeepAliveInterval), value => options.KeepAliveInterval = value);
        read.Duration(nameof(ConnectionOptions.KeepAliveTimeout), value => options.KeepAliveTimeout = value);
        read.Duration(nameof(ConnectionOptions.CloseTimeout), value => options.CloseTimeout = value);
        read.Duration(nameof(ConnectionOptions.HandshakeTimeout), value => options.HandshakeTimeout = value);
        read.Int32(nameof(ConnectionOptions.MaxHeaderBytes), value => options.MaxHeaderBytes = value);
        read.Boolean(nameof(ConnectionOptions.AutoPong), value => options.AutoPong = value);
        read.Boolean(nameof(ConnectionOptions.SkipUtf8Validation), value => options.SkipUtf8Validation = value);
        read.Boolean(nameof(ConnectionOptions.PerMessageDeflate), value => options.PerMessageDeflate = value ? options.PerMessageDeflate ?? new PerMessageDeflateOptions() : null);
    }
}
