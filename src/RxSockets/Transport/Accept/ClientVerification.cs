using Microsoft.Extensions.Logging;

namespace RxSockets.Transport.Accept;

/// <summary>Runs the user's <c>VerifyClient</c> hook for the embedded server and for
/// detached (noServer) upgrades alike: its answer, or 500 when the hook itself fails.</summary>
internal static class ClientVerification
{
    public static async ValueTask<HandshakeRejection?> RunAsync(
        Func<HandshakeRequest, CancellationToken, ValueTask<HandshakeRejection?>> verify, HandshakeRequest request, ILogger logger,
        CancellationToken cancellationToken)
    {
        try
        {
            return await verify(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
#pragma warning disable CA1031 // A failing user hook answers 500 instead of tearing down the accept loop or the host.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.HandshakeFailed(logger, request.RemoteEndPoint, error);
            return new HandshakeRejection(500, "client verification failed") { Cause = error };
        }
    }
}
