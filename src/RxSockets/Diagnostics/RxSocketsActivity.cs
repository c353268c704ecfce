using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace RxSockets.Diagnostics;

/// <summary>The SDK's <see cref="ActivitySource"/> <c>RxSockets</c> and its spans, with attribute names from the
/// OpenTelemetry semantic conventions where one exists. Every method starts with <see cref="ActivitySource.HasListeners"/>
/// (or works on an activity that is null without a listener): with no <see cref="ActivityListener"/> attached nothing
/// is allocated and no header is added to the handshake.</summary>
internal static class RxSocketsActivity
{
    /// <summary>The source's name, for OpenTelemetry's <c>AddSource</c>.</summary>
    public const string SourceName = "RxSockets";

    public const string ConnectName = "rxsockets.connect";
    public const string AcceptName = "rxsockets.accept";
    public const string ReconnectName = "rxsockets.reconnect";
    public const string RequestName = "rxsockets.request";

    /// <summary>W3C Trace Context headers (https://www.w3.org/TR/trace-context/).</summary>
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    private static readonly ActivitySource s_source = new(SourceName, typeof(RxSocketsActivity).Assembly.GetName().Version?.ToString());

    /// <summary>True while some <see cref="ActivityListener"/> listens to the source.</summary>
    public static bool IsListening => s_source.HasListeners();

    /// <summary>A client's connect (TCP, TLS, upgrade, redirects), as a child of the current activity.</summary>
    public static Activity? StartConnect(Uri url)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }

        var activity = s_source.StartActivity(ConnectName, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            SetTarget(activity, url);
        }

        return activity;
    }

    /// <summary>An event on the current connect span (DNS resolved, TCP connected, TLS established, upgrade sent);
    /// nothing when the current activity is not one.</summary>
    public static void ConnectEvent(string name, string? tagName = null, object? tagValue = null)
    {
        if (Activity.Current is not { IsAllDataRequested: true } activity || !ReferenceEquals(activity.Source, s_source)
            || activity.OperationName != ConnectName)
        {
            return;
        }

        activity.AddEvent(tagName is null
            ? new ActivityEvent(name)
            : new ActivityEvent(name, tags: new ActivityTagsCollection { { tagName, tagValue } }));
    }

    /// <summary>The W3C headers that carry <paramref name="activity"/>'s context to the server, or none. A header of
    /// that name the user set wins (it is sent as given).</summary>
    public static IEnumerable<KeyValuePair<string, string>> WithTraceContext(Activity? activity, IEnumerable<KeyValuePair<string, string>> headers)
    {
        if (activity?.Id is not { } id || activity.IdFormat != ActivityIdFormat.W3C
            || headers.Any(header => string.Equals(header.Key, TraceParentHeader, StringComparison.OrdinalIgnoreCase)))
        {
            return headers;
        }

        var withContext = new List<KeyValuePair<string, string>>(headers) { new(TraceParentHeader, id) };
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            withContext.Add(new(TraceStateHeader, activity.TraceStateString));
        }

        return withContext;
    }

    /// <summary>A server's accept and handshake, as the child of the client's span named by the request's
    /// <c>traceparent</c> (when it parses), from <paramref name="startedAt"/> (when the socket was accepted).</summary>
    /// <param name="hosted">True under a host's HTTP server (ASP.NET Core), whose request span, current now, already
    /// continues the client's trace: the handshake is then an internal child of it.</param>
    public static Activity? StartAccept(DateTimeOffset startedAt, HandshakeRequest? request, IPEndPoint? remote, bool hosted = false)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        var underHost = hosted && Activity.Current is not null;
        if (!underHost && request?.GetHeader(TraceParentHeader) is { } traceParent)
        {
            ActivityContext.TryParse(traceParent, request.GetHeader(TraceStateHeader), isRemote: true, out parent);
        }

        var activity = underHost
            ? s_source.StartActivity(AcceptName, ActivityKind.Internal)
            : s_source.StartActivity(AcceptName, ActivityKind.Server, parent, startTime: startedAt);
        if (activity is { IsAllDataRequested: true })
        {
            if (remote is not null)
            {
                activity.SetTag("network.peer.address", remote.Address.ToString());
                activity.SetTag("network.peer.port", remote.Port);
            }

            if (request is not null)
            {
                activity.SetTag("url.path", request.Path);
                var host = request.Host;
                var colon = host.LastIndexOf(':');
                if (colon > 0 && host.IndexOf(']', colon) < 0 && int.TryParse(host.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    activity.SetTag("server.address", host[..colon]);
                    activity.SetTag("server.port", port);
                }
                else
                {
                    activity.SetTag("server.address", host);
                }
            }
        }

        return activity;
    }

    /// <summary>One reconnection attempt of a <see cref="WebSocketClient"/>; its connect span is the child.</summary>
    public static Activity? StartReconnect(Uri url, int attempt)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }

        var activity = s_source.StartActivity(ReconnectName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("server.address", url.IdnHost);
            activity.SetTag("server.port", url.Port);
            activity.SetTag("rxsockets.reconnect.attempt", attempt);
        }

        return activity;
    }

    /// <summary>A messaging-protocol request: the client's call (<see cref="ActivityKind.Client"/>) or the server's
    /// handler (<see cref="ActivityKind.Server"/>, with the connection's id and <c>server.port</c>).</summary>
    /// <param name="connectionId">The server's connection (its id, for <c>rxsockets.connection.id</c>), or null on a
    /// client; the values, not the connection, so diagnostics stay below the surfaces.</param>
    /// <param name="serverPort">The port of the connection's URL, with <paramref name="connectionId"/>.</param>
    public static Activity? StartRequest(ActivityKind kind, string? name, long? connectionId = null, int serverPort = 0)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }

        var activity = s_source.StartActivity(RequestName, kind);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "rxsockets");
            activity.SetTag("rpc.method", name ?? "");
            if (connectionId is { } id)
            {
                activity.SetTag("rxsockets.connection.id", id);
                activity.SetTag("server.port", serverPort);
            }
        }

        return activity;
    }

    /// <summary>Marks a span failed: <c>error.type</c> (the HTTP status of a refused handshake, else the exception's
    /// type), <c>http.response.status_code</c> when there was an answer, and the exception as an event.</summary>
    public static void Fail(Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }

        if (error is HandshakeException { StatusCode: { } status and not 101 })
        {
            activity.SetTag("http.response.status_code", status);
            activity.SetTag("error.type", status.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            activity.SetTag("error.type", error.GetType().FullName);
        }

        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        if (activity.IsAllDataRequested)
        {
            activity.AddException(error);
        }
    }

    /// <summary>Marks a server's span refused with an HTTP status.</summary>
    public static void Refused(Activity? activity, int statusCode, string? reason)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("http.response.status_code", statusCode);
        Fail(activity, statusCode.ToString(CultureInfo.InvariantCulture), reason);
    }

    /// <summary>Marks a span failed with an error code of the messaging protocol (or an HTTP status).</summary>
    public static void Fail(Activity? activity, string errorType, string? description)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("error.type", errorType);
        activity.SetStatus(ActivityStatusCode.Error, description);
    }

    /// <summary><c>server.address</c>, <c>server.port</c> and <c>url.full</c> of a client's target. The query is
    /// replaced by <c>REDACTED</c> and credentials are left out: WebSocket URLs often carry tokens.</summary>
    private static void SetTarget(Activity activity, Uri url)
    {
        activity.SetTag("server.address", url.IdnHost);
        activity.SetTag("server.port", url.Port);
        var full = url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        activity.SetTag("url.full", url.Query.Length > 1 ? full + "?REDACTED" : full);
        activity.SetTag("url.scheme", url.Scheme);
    }
}
