namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The permessage-deflate negotiation (RFC 7692 §5, §7.1), sans I/O: the client's offer and the check of the server's
/// response, and the server's choice among the client's offers. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// System.IO.Compression compresses with a 15-bit window only (no public setting for the window size in .NET 10), so
/// this end never promises a smaller compression window: a server declines offers with <c>server_max_window_bits</c>
/// below 15 and a client never offers <c>client_max_window_bits</c>. Inflating with a 15-bit window reads data made
/// with any smaller window, so limits on the peer's window are always honoured.
/// </remarks>
internal static class DeflateNegotiation
{
    /// <summary>The client's offer: one permessage-deflate element carrying the options' requests.</summary>
    public static string BuildOffer(PerMessageDeflateOptions options) =>
        new DeflateParameters(options.ServerNoContextTakeover, options.ClientNoContextTakeover, options.ServerMaxWindowBits, null).ToString();

    /// <summary>
    /// The server's choice: the first permessage-deflate offer (RFC 7692 §5.1: in the client's order of preference)
    /// it can honour. Offers with unknown, repeated or invalid parameters are declined (RFC 7692 §7.1), as are offers
    /// it cannot honour; a header that is not a valid extension list declines everything.
    /// </summary>
    /// <param name="header">The request's <c>Sec-WebSocket-Extensions</c>, or null.</param>
    /// <returns>The settings of the accepted offer, whose <see cref="DeflateSettings.Extension"/> is the response to
    /// send; null when every offer was declined.</returns>
    public static DeflateSettings? SelectOffer(string? header, PerMessageDeflateOptions options)
    {
        if (header is null || !ExtensionHeader.TryParse(header, out var elements))
        {
            return null;
        }

        foreach (var element in elements)
        {
            if (!string.Equals(element.Name, DeflateParameters.ExtensionName, StringComparison.OrdinalIgnoreCase)
                || !DeflateParameters.TryRead(element, isOffer: true, out var offer, out _))
            {
                continue;
            }

            // RFC 7692 §7.1.2.1: accepting server_max_window_bits=N binds us to a window of at most N bits; we can
            // compress with 15 bits only, so a smaller N means declining this offer.
            if (offer.ServerMaxWindowBits is < 15)
            {
                continue;
            }

            var response = new DeflateParameters(
                ServerNoContextTakeover: offer.ServerNoContextTakeover || options.ServerNoContextTakeover,
                ClientNoContextTakeover: offer.ClientNoContextTakeover || options.ClientNoContextTakeover,
                // Answered when asked (it must be, §7.1.2.1) or when configured; either way it can only be 15.
                ServerMaxWindowBits: offer.ServerMaxWindowBits ?? options.ServerMaxWindowBits,
                // §7.1.2.2: only a client that announced client_max_window_bits may be asked to limit its window.
                ClientMaxWindowBits: offer.ClientMaxWindowBits is null ? null : LimitClientWindow(offer.ClientMaxWindowBits.Value, options.ClientMaxWindowBits));
            return new DeflateSettings(response.ToString(), response.ServerNoContextTakeover, response.ClientNoContextTakeover,
                options.Threshold, options.CompressionLevel);
        }

        return null;
    }

    /// <summary>Checks the server's response against our offer (RFC 7692 §5, §7.1). A client must fail the connection
    /// when the response is invalid or asks for something it did not offer.</summary>
    /// <param name="header">The response's <c>Sec-WebSocket-Extensions</c>; null when the server declined.</param>
    /// <param name="error">Why the response is unacceptable.</param>
    /// <returns>False when the handshake must fail; otherwise true, with the settings (null when declined).</returns>
    public static bool TryAcceptResponse(string? header, PerMessageDeflateOptions options, out DeflateSettings? settings, out string? error)
    {
        settings = null;
        error = null;
        if (header is null)
        {
            return true;
        }

        if (!ExtensionHeader.TryParse(header, out var elements))
        {
            error = "the server's Sec-WebSocket-Extensions is not a valid extension list";
            return false;
        }

        if (elements.Count != 1 || !string.Equals(elements[0].Name, DeflateParameters.ExtensionName, StringComparison.OrdinalIgnoreCase))
        {
            error = $"the server accepted extensions we did not offer ('{header}')";
            return false;
        }

        if (!DeflateParameters.TryRead(elements[0], isOffer: false, out var response, out var parameterError))
        {
            error = $"the server's permessage-deflate response has an {parameterError}";
            return false;
        }

        error = CheckResponse(response, options);
        if (error is not null)
        {
            return false;
        }

        settings = new DeflateSettings(response.ToString(),
            CompressNoContext: response.ClientNoContextTakeover || options.ClientNoContextTakeover,
            InflateNoContext: response.ServerNoContextTakeover, options.Threshold, options.CompressionLevel);
        return true;
    }

    private static string? CheckResponse(DeflateParameters response, PerMessageDeflateOptions options)
    {
        // §7.1.1.1: a server accepting an offer with server_no_context_takeover must answer it.
        if (options.ServerNoContextTakeover && !response.ServerNoContextTakeover)
        {
            return "the server's permessage-deflate response lacks the server_no_context_takeover we requested";
        }

        // §7.1.2.1: accepting server_max_window_bits=N means answering it with N or less.
        if (options.ServerMaxWindowBits is { } requested && (response.ServerMaxWindowBits is null || response.ServerMaxWindowBits > requested))
        {
            return $"the server's permessage-deflate response does not honour server_max_window_bits={requested}";
        }

        // §7.1.2.2: client_max_window_bits may be answered only if offered, and we never offer it (see remarks).
        if (response.ClientMaxWindowBits is not null)
        {
            return "the server's permessage-deflate response has client_max_window_bits, which we did not offer";
        }

        return null;
    }

    private static int? LimitClientWindow(int offered, int? configured) => (offered, configured) switch
    {
        (_, null) => null,
        (0, { } bits) => bits,
        ({ } limit, { } bits) => Math.Min(limit, bits),
    };
}
