using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using RxSockets.Diagnostics;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Handshake;
using RxSockets.Transport.Connect;
using RxSockets.Transport.Epoll;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Connect;

/// <summary>The client's way in: TCP connect (every resolved address, or a proxy's tunnel), TLS for wss://, the HTTP
/// upgrade and any redirects it is answered with, all within <see cref="ConnectSettings.HandshakeTimeout"/> on the
/// connection's clock. Plain ws:// without a proxy runs on the backend chosen for plain TCP
/// (<see cref="EpollTransport.PlainBackend"/>, as the server's plain connections do); TLS and proxy tunnels on .NET
/// sockets, which give them a stream. It returns the upgraded transport and what the handshake settled: the surface
/// that called it builds the connection.</summary>
internal static class ClientConnector
{
    public static ValueTask<ConnectedTransport> ConnectAsync(Uri url, ConnectSettings settings, CancellationToken cancellationToken)
    {
        // Without a listener, no span and not one more async frame: the connect runs as it always did.
        return RxSocketsActivity.IsListening ? TracedConnectAsync(url, settings, cancellationToken) : ConnectAsync(url, settings, null, cancellationToken);
    }

    /// <summary>The connect under its span <c>rxsockets.connect</c>, which ends with the 101 (or the failure). Started
    /// here, in an async method, so that it is the current activity of the connect only, not of the caller after it.</summary>
    private static async ValueTask<ConnectedTransport> TracedConnectAsync(Uri url, ConnectSettings settings, CancellationToken cancellationToken)
    {
        using var activity = RxSocketsActivity.StartConnect(url);
        try
        {
            return await ConnectAsync(url, settings, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            RxSocketsActivity.Fail(activity, error);
            throw;
        }
    }

    private static async ValueTask<ConnectedTransport> ConnectAsync(Uri url, ConnectSettings settings, Activity? activity, CancellationToken cancellationToken)
    {
        var redirects = new RedirectChain(url, settings);
        var deflateOffer = settings.Deflate is { } offered ? DeflateNegotiation.BuildOffer(offered) : null;
        using var deadline = new HandshakeDeadline(settings.HandshakeTimeout, settings.Scheduler, cancellationToken);
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
                handshake = new ClientHandshake(url, settings.SubProtocols, RxSocketsActivity.WithTraceContext(activity, redirects.Headers), settings.Origin, deflateOffer);
                transport = await OpenAsync(url, settings, deadline.Token).ConfigureAwait(false);
                response = await ExchangeAsync(transport, handshake, settings.MaxHeaderBytes, redirects, deadline.Token).ConfigureAwait(false);
            }
            while (response is null);

            var result = handshake.Validate(response);
            var deflate = AcceptDeflate(result.Extensions, settings.Deflate, response);
            var info = new ConnectionInfo(url, result.SubProtocol, deflate?.Extension, null, transport.RemoteEndPoint, deflate,
                ClientHandshake.CollectHeaders(response).AsReadOnly());
            if (activity is not null)
            {
                activity.SetTag("http.response.status_code", 101);
                if (info.RemoteEndPoint is IPEndPoint peer)
                {
                    activity.SetTag("network.peer.address", peer.Address.ToString());
                    activity.SetTag("network.peer.port", peer.Port);
                }
            }

            var connected = new ConnectedTransport(transport, info);
            transport = null;   // the caller's now
            return connected;
        }
        catch (OperationCanceledException) when (deadline.HasExpired && !cancellationToken.IsCancellationRequested)
        {
            throw HandshakeException.TimedOut(settings.HandshakeTimeout);
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
    private static DeflateSettings? AcceptDeflate(string? answer, DeflatePreferences? offered, HttpHead response)
    {
        if (offered is null)
        {
            return null;   // ClientHandshake already refused an extension answer to no offer.
        }

        if (!DeflateNegotiation.TryAcceptResponse(answer, offered, out var settings, out var error))
        {
            var headers = response.Headers.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(h => h.Value)), StringComparer.OrdinalIgnoreCase);
            throw new HandshakeException($"WebSocket handshake failed: {error}", response.StatusCode, headers, null, isTransient: false);
        }

        return settings;
    }

    /// <summary>Opens the byte stream to <paramref name="url"/>: on the plain-TCP backend for ws:// without a proxy,
    /// else a <see cref="SocketTransport"/> (with TLS for wss://, through the proxy's tunnel when there is one).</summary>
    internal static async ValueTask<ITransport> OpenAsync(Uri url, ConnectSettings settings, CancellationToken cancellationToken)
    {
        var route = new ClientRoute(url, settings);
        if (route.IsPlainDirect)
        {
            return await route.ConnectPlainAsync(EpollTransport.PlainBackend, cancellationToken).ConfigureAwait(false);
        }

        return await StreamDialer.ConnectAsync(route, route.TlsHost, settings.SslOptions, cancellationToken).ConfigureAwait(false);
    }

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
