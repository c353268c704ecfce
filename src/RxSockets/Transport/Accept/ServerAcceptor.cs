using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using RxSockets.Diagnostics;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Handshake;
using RxSockets.Server;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Accept;

/// <summary>
/// The server side of one accepted socket: reads the upgrade request (bounded in size and time, and by the pending
/// budget), validates it, takes a connection place from <paramref name="admission"/>, asks the verification hook, then
/// answers 101 and hands the transport and what the handshake settled to its owner (the surface, which builds the
/// connection), or answers the refusal and closes. With <paramref name="tls"/>, the TLS
/// handshake comes first, within the same handshake timeout. Thread-safe: one instance serves every accepted socket.
/// </summary>
/// <remarks>
/// A socket counts toward <see cref="AcceptSettings.MaxPendingHandshakes"/> while its request is arriving, and
/// toward the connection limits only from the moment its request has arrived: a client that trickles its bytes holds
/// no connection place, and when the pending budget is full the oldest pending handshake makes room for the newcomer.
/// </remarks>
/// <param name="failures">Where refusals and failures are reported besides the log (the server's
/// <c>HandshakeFailures</c>), or null.</param>
internal sealed class ServerAcceptor(AcceptSettings settings, Admission admission, ILogger logger, ServerTls? tls = null, HandshakeFailureFeed? failures = null)
{
    private static readonly HandshakeRejection s_timedOut = new(408, "the request did not arrive within the handshake timeout");
    private static readonly HandshakeRejection s_evicted = new(503, "too many handshakes pending: this one was the oldest");

    private readonly ServerHandshake _handshake = new(settings.Path, settings.AllowedOrigins, settings.SubProtocols, settings.SelectSubProtocol);
    private readonly RequestUrl _urls = new(secure: tls is not null);
    private readonly HandshakeClock _clock = new(settings.Scheduler, settings.HandshakeTimeout, settings.MaxPendingHandshakes);

    /// <summary>The handshakes whose request (or TLS handshake) is still arriving.</summary>
    public int PendingCount => _clock.PendingCount;

    /// <summary>Runs the handshake on an accepted connection, then tells <paramref name="owner"/> how it ended. The task
    /// never fails: nobody awaits it, and every failure is logged and closes the socket.</summary>
    /// <param name="address">The client's address as the admission limits count it, handed back to the owner.</param>
    public Task AcceptAsync(AcceptedSocket accepted, IPAddress? address, IHandshakeOwner owner, CancellationToken cancellationToken)
    {
        if (accepted.Transport is { } ready)
        {
            return AcceptAsync(ready, null, ready.RemoteEndPoint, address, owner, cancellationToken);
        }

        var socket = accepted.Socket!;
        Stream stream;
        try
        {
            stream = new NetworkStream(socket, ownsSocket: false);   // throws when the client is already gone
        }
        catch (IOException error)
        {
            LogFailure(null, error);
            socket.Dispose();
            owner.OnHandshakeEnded(null, address);
            return Task.CompletedTask;
        }

        stream = tls is null ? stream : ServerTls.Wrap(stream);
        return AcceptAsync(new SocketTransport(socket, stream), stream as SslStream, SocketTransport.PeerOf(socket), address, owner, cancellationToken);
    }

    /// <summary>Runs the handshake on any transport, as <see cref="AcceptAsync(AcceptedSocket, IPAddress?, IHandshakeOwner, CancellationToken)"/>
    /// does on a socket (for tests: in-memory pipes).</summary>
    internal Task AcceptAsync(ITransport transport, IPEndPoint? remote, IHandshakeOwner owner, CancellationToken cancellationToken) =>
        AcceptAsync(transport, null, remote, Admission.AddressOf(remote), owner, cancellationToken);

    // The one async method per accepted socket, which reports to the owner itself. Each async method on this path is
    // one more object per connection, and each local or awaiter type that lives across an await is a field of it: so
    // the request is read here rather than in a helper, and every other await is a plain ValueTask. For the same
    // reason what the handshake settled is handed over as the locals that hold it (url set means opened), and put
    // together only for the owner.
    //
    // On a transport whose read takes a callback (the epoll socket), the wait for the request holds no state machine
    // either: the method returns while the bytes have not arrived, leaving what it needs to go on in a ParkedHandshake,
    // and the callback runs it again from there (resumed). Once they are in, the handshake usually ends without waiting
    // at all, so it allocates no state machine: a burst of clients leaves less garbage between the connections it keeps.
    private async Task AcceptAsync(
        ITransport transport, SslStream? ssl, IPEndPoint? remote, IPAddress? address, IHandshakeOwner owner, CancellationToken cancellationToken,
        ParkedHandshake? resumed = null)
    {
        Uri? url = null;   // set once the 101 is out: the transport is the owner's from then on
        ServerHandshakeResult request = default;
        DeflateSettings? deflate = null;
        Activity? activity = null;   // rxsockets.accept, started once the request (and its traceparent) is in
        var startedAt = resumed?.StartedAt ?? (RxSocketsActivity.IsListening ? DateTimeOffset.UtcNow : default);
        var timer = resumed?.Timer ?? _clock.Start(transport);
        var admitted = false;   // holds a connection place, given back unless a connection keeps it
        var failed = false;
        var waiting = false;   // returned to wait for bytes through a callback, which runs this again
        try
        {
            try
            {
                // Plain reads and flushes need no token of their own: the clock cancels them when the time is up.
                if (ssl is not null || settings.VerifyClient is not null)
                {
                    cancellationToken = timer.CreateToken(cancellationToken);
                }

                if (ssl is not null)
                {
                    await new ValueTask(tls!.AuthenticateAsync(ssl, cancellationToken)).ConfigureAwait(false);   // wrapped only when tls is set
                }

                while (true)
                {
                    ReadResult read;
                    if (resumed is not null)
                    {
                        read = ((IReadWaitSource)transport.Input).GetReadResult();
                        resumed = null;
                    }
                    else if (ssl is null && settings.VerifyClient is null && transport.Input is IReadWaitSource source)
                    {
                        var reading = transport.Input.ReadAsync(cancellationToken);
                        if (!reading.IsCompleted)
                        {
                            waiting = true;
                            source.OnReadCompleted(ParkedHandshake.OnReadable,
                                new ParkedHandshake(this, transport, remote, address, owner, timer, startedAt, cancellationToken));
                            return;
                        }

                        read = reading.GetAwaiter().GetResult();   // completed: no await, so nothing of it is kept in the state
                    }
                    else
                    {
                        read = await transport.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (read.IsCanceled)
                    {
                        activity = RxSocketsActivity.StartAccept(startedAt, null, remote);
                        await AbandonAsync(transport, remote, timer, activity).ConfigureAwait(false);
                        return;
                    }

                    if (TryTakeRequest(transport.Input, read, remote, out request))
                    {
                        activity = RxSocketsActivity.StartAccept(startedAt, request.Request, remote);
                        break;
                    }

                    if (read.IsCompleted)
                    {
                        // The client left before finishing its request: nobody to answer.
                        timer.Finish();
                        await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
                        return;
                    }
                }

                if (!timer.LeavePending())
                {
                    // Evicted or expired as the last bytes arrived: the read it was cancelled would be the next one.
                    await AbandonAsync(transport, remote, timer, activity).ConfigureAwait(false);
                    return;
                }

                // From here on the socket counts as a connection: an upgrade is the next step, unless refused.
                var rejection = request.Rejection;
                if (rejection is null)
                {
                    rejection = admission.TryEnter(address);
                    admitted = rejection is null;
                }

                if (rejection is null && settings.VerifyClient is { } verify)
                {
                    rejection = await ClientVerification.RunAsync(verify, request.Request!, logger, cancellationToken).ConfigureAwait(false);   // no rejection: accepted, Request set
                }

                if (rejection is null && settings.AddResponseHeaders is not null)
                {
                    rejection = WriteAccept(transport.Output, request);
                }

                if (rejection is not null)
                {
                    RxSocketsActivity.Refused(activity, rejection.StatusCode, rejection.Reason);
                    await RefuseAsync(transport, remote, rejection, request.Request?.Path, cancellationToken).ConfigureAwait(false);
                    timer.Finish();
                    await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
                    return;
                }

                var accepted = request.Request!;   // no rejection: accepted
                deflate = settings.Deflate is { } offered ? DeflateNegotiation.SelectOffer(accepted.Extensions, offered) : null;
                if (settings.AddResponseHeaders is null)
                {
                    ServerHandshake.WriteAcceptForKey(transport.Output, request.ClientKey!, request.SubProtocol, deflate?.Extension);
                }

                await FlushAsync(transport.Output, cancellationToken).ConfigureAwait(false);
                if (!timer.Finish())
                {
                    throw TimedOut();   // expired meanwhile: the transport may hold a cancellation meant for the handshake
                }

                if (activity is not null)
                {
                    activity.SetTag("http.response.status_code", 101);
                    activity.Dispose();   // the handshake is over: the connection's life is not part of the span
                    activity = null;
                }

                url = _urls.For(request.Request!);   // not `accepted`: a local read across an await is one more field per handshake
            }
#pragma warning disable CA1031 // Nobody awaits a handshake: every failure is logged here and closes the socket.
            catch (Exception error)
#pragma warning restore CA1031
            {
                timer.Finish();
                LogFailure(remote, error);
                failures?.Failed(remote, null, error);
                RxSocketsActivity.Fail(activity ??= RxSocketsActivity.StartAccept(startedAt, null, remote), error);
                failed = true;
            }

            if (failed)
            {
                await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!waiting)
            {
                activity?.Dispose();
                if (admitted && url is null)
                {
                    admission.Leave(address);
                }

                owner.OnHandshakeEnded(
                    url is null ? null : new AcceptedTransport(transport, new ConnectionInfo(url, request.SubProtocol, deflate?.Extension, request.Request, remote, deflate)),
                    address);
            }
        }
    }

    /// <summary>Goes on with a handshake that waited for its request's bytes (see <see cref="ParkedHandshake"/>).</summary>
    internal Task ResumeAsync(ParkedHandshake pending) =>
        AcceptAsync(pending.Transport, null, pending.Remote, pending.Address, pending.Owner, pending.CancellationToken, pending);

    /// <summary>Ends a handshake whose request had not arrived when its time ran out (<c>408 Request Timeout</c>, as
    /// node's HTTP server and Kestrel answer) or when a newer one took its pending place (<c>503</c>), then closes. The
    /// answer is written only if the socket takes it at once: no time is left to wait for a client that reads nothing.
    /// Over TLS this point is reached only once TLS is up, so the answer is readable.</summary>
    private async ValueTask AbandonAsync(ITransport transport, IPEndPoint? remote, HandshakeTimer timer, Activity? activity)
    {
        var rejection = timer.WasEvicted ? s_evicted : s_timedOut;
        RxSocketsActivity.Refused(activity, rejection.StatusCode, rejection.Reason);
        timer.Finish();
        Diagnostics.Log.HandshakeRejected(logger, remote, rejection.StatusCode, rejection.Reason ?? "");
        Diagnostics.RxSocketsMetrics.HandshakeRefused(rejection.StatusCode);
        failures?.Refused(remote, null, rejection);
        try
        {
            ServerHandshake.WriteRejection(transport.Output, rejection);
            var flush = transport.Output.FlushAsync(CancellationToken.None);
            if (!flush.IsCompleted)
            {
                transport.Output.CancelPendingFlush();   // the socket's buffer is full: give up the answer
            }

            await flush.ConfigureAwait(false);
            transport.ShutdownOutput();
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Diagnostics.Log.HandshakeFailed(logger, remote, error);   // the client is gone: closing is all that is left
            failures?.Failed(remote, null, error);
        }

        await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
    }

    private void LogFailure(IPEndPoint? remote, Exception error)
    {
        if (error is OperationCanceledException or IOException or SocketException or UriFormatException or InvalidOperationException
            or AuthenticationException or TimeoutException)
        {
            Diagnostics.Log.HandshakeFailed(logger, remote, error);
        }
        else
        {
            Diagnostics.Log.AcceptFailed(logger, error);   // a bug rather than a client's doing
        }
    }

    /// <summary>Writes the 101 with the headers <see cref="AcceptSettings.AddResponseHeaders"/> adds (the usual
    /// path writes it without them, so the hook costs nothing when unset).</summary>
    /// <returns>Null when written; the 500 to answer when the hook failed.</returns>
    private HandshakeRejection? WriteAccept(System.IO.Pipelines.PipeWriter output, in ServerHandshakeResult request)
    {
        var extra = UpgradeResponseHeaders.Run(settings.AddResponseHeaders!, request.Request!, logger, out var rejection);
        if (rejection is null)
        {
            var deflate = settings.Deflate is { } offered ? DeflateNegotiation.SelectOffer(request.Request!.Extensions, offered) : null;
            ServerHandshake.WriteAcceptForKey(output, request.ClientKey!, request.SubProtocol, deflate?.Extension, extra);
        }

        return rejection;
    }

    /// <param name="path">The requested path when the request parsed (a refusal of the request itself was reported
    /// where it was parsed, with its path), else null.</param>
    private async ValueTask RefuseAsync(ITransport transport, IPEndPoint? remote, HandshakeRejection rejection, string? path, CancellationToken cancellationToken)
    {
        Diagnostics.Log.HandshakeRejected(logger, remote, rejection.StatusCode, rejection.Reason ?? "");
        Diagnostics.RxSocketsMetrics.HandshakeRefused(rejection.StatusCode);
        if (path is not null)
        {
            failures?.Refused(remote, path, rejection);
        }

        ServerHandshake.WriteRejection(transport.Output, rejection);
        await FlushAsync(transport.Output, cancellationToken).ConfigureAwait(false);
        transport.ShutdownOutput();
        await transport.Input.DrainAsync(cancellationToken).ConfigureAwait(false);   // bounded by the handshake timeout
    }

    /// <summary>Flushes; a flush the clock cancelled is a timeout. Synchronous (no object) when the socket takes the
    /// bytes at once, as it does for a handshake's answer.</summary>
    private ValueTask FlushAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        var flush = output.FlushAsync(cancellationToken);
        if (!flush.IsCompletedSuccessfully)
        {
            return AwaitFlushAsync(flush);
        }

        return flush.Result.IsCanceled ? ValueTask.FromException(TimedOut()) : default;
    }

    private async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        if ((await flush.ConfigureAwait(false)).IsCanceled)
        {
            throw TimedOut();
        }
    }

    private TimeoutException TimedOut() => new($"The opening handshake did not finish within {settings.HandshakeTimeout}.");

    /// <summary>Parses the request head from what has arrived and consumes it; false (everything examined) while it is
    /// incomplete. A head that does not parse yields the refusal to answer.</summary>
    private bool TryTakeRequest(PipeReader input, in ReadResult read, IPEndPoint? remote, out ServerHandshakeResult request)
    {
        var buffer = read.Buffer;
        var status = HttpHead.TryParse(ref buffer, HttpHeadKind.Request, settings.MaxHeaderBytes, out var head, out var error);
        if (status == HttpHeadParseStatus.NeedMoreData)
        {
            input.AdvanceTo(buffer.Start, buffer.End);
            request = default;
            return false;
        }

        input.AdvanceTo(buffer.Start);
        request = status == HttpHeadParseStatus.Complete
            ? _handshake.Validate(head!, remote)   // Complete always yields a head
            : ServerHandshakeResult.Reject(ServerHandshake.RejectionFor(status, error));
        if (request.Rejection is { } refused)
        {
            failures?.Refused(remote, HandshakeFailureFeed.PathOf(head?.Target), refused);   // the head is known only here
        }

        return true;
    }
}
