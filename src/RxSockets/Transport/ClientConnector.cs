using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using RxSockets.Diagnostics;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Handshake;
using RxSockets.Transport.Epoll;

namespace RxSockets.Transport;

/// <summary>The client's way in: TCP connect (every resolved address, or a proxy's tunnel), TLS for wss://, the HTTP
/// upgrade and any redirects it is answered with, all within
/// <see cref="ConnectionOptions.HandshakeTimeout"/> on the connection's clock. Plain ws:// without a proxy runs on the
/// epoll transport where the server's does (<see cref="EpollTransport.Enabled"/>); everything else on .NET sockets.</summary>
internal static class ClientConnector
{
    public static ValueTask<WebSocketConnection> ConnectAsync(Uri url, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        // Without a listener, no span and not one more async frame: the connect runs as it always did.
        return RxSocketsActivity.IsListening ? TracedConnectAsync(url, options, cancellationToken) : ConnectAsync(url, options, null, cancellationToken);
    }

    /// <summary>The connect under its span <c>rxsockets.connect</c>, which ends with the 101 (or the failure). Started
    /// here, in an async method, so that it is the current activity of the connect only, not of the caller after it.</summary>
    private static async ValueTask<WebSocketConnection> TracedConnectAsync(Uri url, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        using var activity = RxSocketsActivity.StartConnect(url);
        try
        {
            return await ConnectAsync(url, options, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            RxSocketsActivity.Fail(activity, error);
            throw;
        }
    }

    private static async ValueTask<WebSocketConnection> ConnectAsync(Uri url, WebSocketClientOptions options, Activity? activity, CancellationToken cancellationToken)
    {
        var offer = options.PerMessageDeflate is { } deflateOptions ? DeflateNegotiation.BuildOffer(deflateOptions.ToPreferences()) : null;
        var redirects = new RedirectChain(url, options);
        using var deadline = new HandshakeDeadline(options, cancellationToken);
        ITransport? transport = null;
        try
        {
            HttpHead? response;
            ClientHandshake handshake;
            do
            {
                if (transport is not null)
                {
                    await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
                    transport = null;
                }

                url = redirects.Current;
                handshake = new ClientHandshake(url, options.SubProtocols, RxSocketsActivity.WithTraceContext(activity, redirects.Headers), options.Origin, offer);
                transport = await OpenAsync(url, options, deadline.Token).ConfigureAwait(false);
                response = await ExchangeAsync(transport, handshake, options.MaxHeaderBytes, redirects, deadline.Token).ConfigureAwait(false);
            }
            while (response is null);

            var result = handshake.Validate(response);
            var deflate = AcceptDeflate(result.Extensions, options.PerMessageDeflate, response);
            var info = new ConnectionInfo(url, result.SubProtocol, deflate?.Extension, null, RemoteOf(transport), deflate,
                ClientHandshake.CollectHeaders(response).AsReadOnly());
            if (activity is not null)
            {
                activity.SetTag("http.response.status_code", 101);
                if (info.RemoteEndPoint is IPEndPoint peer)
                {
                    activity.SetTag("network.peer.address", peer.Address.ToString());
                    activity.SetTag("network.peer.port", peer.Port);
                }

                // The connection's loops start next and keep the context they start in: not the connect span, which
                // ends here, lest what they do later be traced as part of the connect.
                Activity.Current = activity.Parent;
            }

            var connection = new WebSocketConnection(transport, ConnectionRole.Client, options, info);
            transport = null;
            return connection;
        }
        catch (OperationCanceledException) when (deadline.HasExpired && !cancellationToken.IsCancellationRequested)
        {
            throw HandshakeException.TimedOut(options.HandshakeTimeout);
        }
        finally
        {
            if (transport is not null)
            {
                await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The HTTP upgrade exchange; null when the answer is a redirect to follow. A connection lost on the way
    /// is a transient <see cref="HandshakeException"/>.</summary>
    private static async ValueTask<HttpHead?> ExchangeAsync(
        ITransport transport, ClientHandshake handshake, int maxHeaderBytes, RedirectChain redirects, CancellationToken cancellationToken)
    {
        try
        {
            handshake.WriteRequest(transport.Output);
            await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            RxSocketsActivity.ConnectEvent("rxsockets.upgrade.sent");
            var response = await ReadResponseAsync(transport.Input, maxHeaderBytes, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != 101 && redirects.TryFollow(response))
            {
                return null;
            }

            if (response.StatusCode != 101)
            {
                var excerpt = await ReadBodyExcerptAsync(transport.Input, response, cancellationToken).ConfigureAwait(false);
                throw ClientHandshake.Rejected(response, excerpt);
            }

            return response;
        }
        catch (Exception error) when (error is IOException or SocketException)
        {
            throw HandshakeException.ConnectionClosed(error);
        }
    }

    /// <summary>Checks the server's permessage-deflate answer; an invalid one, or one not offered, fails the handshake.</summary>
    private static DeflateSettings? AcceptDeflate(string? answer, PerMessageDeflateOptions? offered, HttpHead response)
    {
        if (offered is null)
        {
            return null;   // ClientHandshake already refused an extension answer to no offer.
        }

        if (!DeflateNegotiation.TryAcceptResponse(answer, offered.ToPreferences(), out var settings, out var error))
        {
            var headers = response.Headers.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(h => h.Value)), StringComparer.OrdinalIgnoreCase);
            throw new HandshakeException($"WebSocket handshake failed: {error}", response.StatusCode, headers, null, isTransient: false);
        }

        return settings;
    }

    /// <summary>Opens the byte stream to <paramref name="url"/>: an <see cref="EpollSocket"/> for plain ws:// without a
    /// proxy when the epoll transport is enabled, else a <see cref="SocketTransport"/> (with TLS for wss://).</summary>
    internal static async ValueTask<ITransport> OpenAsync(Uri url, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        var route = new ClientRoute(url, options);
        if (route.IsPlainDirect && EpollTransport.Enabled && EpollEngine.Shared is { } engine)
        {
            return await route.ConnectEpollAsync(engine, cancellationToken).ConfigureAwait(false);
        }

        return await SocketTransport.ConnectAsync(route, route.TlsHost, options.SslOptions, cancellationToken).ConfigureAwait(false);
    }

    private static IPEndPoint? RemoteOf(ITransport transport) => transport switch
    {
        EpollSocket epoll => epoll.RemoteEndPoint,
        SocketTransport socket => SocketTransport.PeerOf(socket.Socket),
        _ => null,
    };

    private static async ValueTask<HttpHead> ReadResponseAsync(PipeReader input, int maxHeaderBytes, CancellationToken cancellationToken)
    {
        var (status, head, error) = await input.ReadHeadAsync(HttpHeadKind.Response, maxHeaderBytes, cancellationToken).ConfigureAwait(false);
        return status switch
        {
            HttpHeadParseStatus.Complete => head!,   // Complete always yields a head
            HttpHeadParseStatus.NeedMoreData => throw HandshakeException.ConnectionClosed(),
            _ => throw HandshakeException.MalformedResponse(error ?? status.ToString()),
        };
    }

    private static async ValueTask<byte[]> ReadBodyExcerptAsync(PipeReader input, HttpHead response, CancellationToken cancellationToken)
    {
        var wanted = ClientHandshake.GetBodyExcerptLength(response, out _);
        while (wanted > 0)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length >= wanted || result.IsCompleted)
            {
                var excerpt = result.Buffer.Slice(0, Math.Min(wanted, result.Buffer.Length)).ToArray();
                input.AdvanceTo(result.Buffer.End);
                return excerpt;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        return [];
    }
}
