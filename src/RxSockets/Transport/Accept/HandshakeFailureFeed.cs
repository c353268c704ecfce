using System.Net;

namespace RxSockets.Transport.Accept;

/// <summary>Where the accept path reports refusals and failures for the server's <c>HandshakeFailures</c>: handshakes
/// end on many threads at once, and an observer list must not be told concurrently, so reports are serialised here.
/// Nothing is allocated while nobody watches (a refused flood costs no records). The surface owns the observers and
/// hands in how to ask whether anyone watches and how to tell them, so the accept path needs no Rx glue. Thread-safe.</summary>
/// <param name="watched">Whether anyone subscribed (asked before a record is made).</param>
/// <param name="publish">Tells the subscribers, one report at a time.</param>
internal sealed class HandshakeFailureFeed(Func<bool> watched, Action<HandshakeFailure> publish)
{
    private readonly Lock _gate = new();

    public void Refused(EndPoint? remote, string? path, HandshakeRejection rejection)
    {
        if (watched())
        {
            Publish(new HandshakeFailure(remote, path, rejection.StatusCode,
                rejection.Reason ?? Protocol.Handshake.HttpReasonPhrase.For(rejection.StatusCode), rejection.Cause));
        }
    }

    public void Failed(EndPoint? remote, string? path, Exception error)
    {
        if (watched())
        {
            Publish(new HandshakeFailure(remote, path, null, error.Message, error));
        }
    }

    private void Publish(HandshakeFailure failure)
    {
        lock (_gate)
        {
            publish(failure);
        }
    }

    /// <summary>The path of a request target (what precedes its query), or null for none.</summary>
    public static string? PathOf(string? target)
    {
        if (string.IsNullOrEmpty(target))
        {
            return null;
        }

        var query = target.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? target : target[..query];
    }
}
