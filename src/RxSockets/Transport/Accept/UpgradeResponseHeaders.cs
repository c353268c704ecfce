using System.Collections.ObjectModel;
using Microsoft.Extensions.Logging;
using RxSockets.Protocol.Handshake;

namespace RxSockets.Transport.Accept;

/// <summary>Runs the user's <c>AddResponseHeaders</c> hook for an accepted request and checks what it
/// returns, for the embedded server and for detached upgrades alike. A hook that throws or returns a header the
/// handshake owns (or one that is not valid HTTP) refuses the upgrade with 500: a 101 that breaks the handshake must
/// not go out.</summary>
internal static class UpgradeResponseHeaders
{
    private static readonly string[] s_reserved =
    [
        "Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions",
        "Content-Length", "Transfer-Encoding",
    ];

    /// <returns>The headers to add (null for none), or a refusal in <paramref name="rejection"/>.</returns>
    public static IReadOnlyDictionary<string, string>? Run(
        Func<HandshakeRequest, IReadOnlyDictionary<string, string>?> hook, HandshakeRequest request, ILogger logger,
        out HandshakeRejection? rejection)
    {
        rejection = null;
        try
        {
            var headers = hook(request);
            return headers is null || headers.Count == 0 ? null : Check(headers);
        }
#pragma warning disable CA1031 // A failing user hook answers 500 instead of tearing down the accept loop or the host.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.HandshakeFailed(logger, request.RemoteEndPoint, error);
            rejection = new HandshakeRejection(500, "adding response headers failed") { Cause = error };
            return null;
        }
    }

    private static ReadOnlyDictionary<string, string> Check(IReadOnlyDictionary<string, string> headers)
    {
        var copy = new Dictionary<string, string>(headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (name is null || !HttpSyntax.IsToken(name))
            {
                throw new InvalidOperationException($"AddResponseHeaders returned '{name}', which is not a valid HTTP header name.");
            }

            if (s_reserved.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"AddResponseHeaders returned the '{name}' header, which the handshake writes itself.");
            }

            if (value is null || !HttpSyntax.IsFieldValue(value))
            {
                throw new InvalidOperationException($"AddResponseHeaders returned a value of the '{name}' header that holds a control character.");
            }

            copy[name] = HttpSyntax.TrimWhitespace(value);
        }

        return copy.AsReadOnly();
    }
}
