using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace RxSockets.AspNetCore;

/// <summary>The request delegate of a <c>MapRxSockets</c> endpoint: hands the request to the hub
/// (<see cref="WebSocketServer.NegotiateAsync"/>), answers a refusal through the <see cref="HttpContext"/>, or sets
/// the 101's headers, upgrades with <see cref="IHttpUpgradeFeature"/> and runs our engine on the upgraded stream until
/// the connection ends (the request must last as long as the connection).</summary>
internal static class UpgradeEndpoint
{
    public static async Task HandleAsync(HttpContext context, WebSocketServer server, Func<WebSocketConnection, CancellationToken, Task>? handler)
    {
        var upgradeFeature = context.Features.Get<IHttpUpgradeFeature>();
        if (upgradeFeature is not { IsUpgradableRequest: true })
        {
            // A plain request (or HTTP/2, which has no Upgrade): tell it what this endpoint speaks.
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers.Upgrade = "websocket";
            await context.Response.WriteAsync("This endpoint speaks WebSocket (HTTP/1.1 Upgrade).", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        using var upgrade = await server.NegotiateAsync(CreateRequest(context), context.RequestAborted).ConfigureAwait(false);
        if (upgrade.Rejection is { } rejection)
        {
            await RefuseAsync(context, rejection).ConfigureAwait(false);
            return;
        }

        foreach (var (name, value) in upgrade.ResponseHeaders)
        {
            context.Response.Headers[name] = value;
        }

        var stream = await upgradeFeature.UpgradeAsync().ConfigureAwait(false);
        var connection = server.Accept(upgrade, new StreamDuplexPipe(stream));
        await RunAsync(connection, handler, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task RunAsync(WebSocketConnection connection, Func<WebSocketConnection, CancellationToken, Task>? handler, CancellationToken aborted)
    {
        await using (connection.ConfigureAwait(false))
        {
            if (handler is not null)
            {
                try
                {
                    await handler(connection, aborted).ConfigureAwait(false);
                }
                catch (Exception) when (connection.State == ConnectionState.Open)
                {
                    // The handler failed: the peer learns it as a 1011, and ASP.NET Core logs the exception.
                    await connection.CloseAsync(CloseCode.InternalError, "server error", CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
            }

            try
            {
                await connection.Completion.ConfigureAwait(false);
            }
            catch (ConnectionClosedException)
            {
                // Ended abnormally (the peer vanished): the request is over all the same.
            }
        }
    }

    private static HandshakeRequest CreateRequest(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : $"{request.PathBase}{request.Path}{request.QueryString}";
        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count);
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(new KeyValuePair<string, string>(name, value ?? ""));
            }
        }

        var remote = context.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, context.Connection.RemotePort) : null;
        return HandshakeRequest.Create(request.Method, target, headers, remote);
    }

    private static async Task RefuseAsync(HttpContext context, HandshakeRejection rejection)
    {
        context.Response.StatusCode = rejection.StatusCode;
        foreach (var (name, value) in rejection.Headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(rejection.Reason ?? ReasonPhrases(rejection.StatusCode), Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
