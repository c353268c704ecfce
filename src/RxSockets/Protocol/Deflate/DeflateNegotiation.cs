namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The permessage-deflate negotiation (RFC 7692 §5, §7.1), sans I/O: the client's offer and the check of the server's
/// response, and the server's choice among the client's offers. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// Every window of RFC 7692 §7.1.2 (8 to 15 bits) is agreed to in both directions: our compressor runs on the
/// runtime's zlib with the agreed window (see <see cref="DeflateWindow"/>), which is where a smaller window saves
/// memory, and our inflater with the window the peer agreed to compress within.
/// </remarks>
internal static class DeflateNegotiation
{
    /// <summary>The client's offer: one permessage-deflate element carrying the preferences' requests. It always
    /// announces <c>client_max_window_bits</c> (§7.1.2.2), with our own limit as its value when one is configured, so
    /// the server may ask for a smaller window.</summary>
    public static string BuildOffer(DeflatePreferences options) =>
        new DeflateParameters(options.ServerNoContextTakeover, options.ClientNoContextTakeover, options.ServerMaxWindowBits,
            options.ClientMaxWindowBits ?? 0).ToString();

    /// <summary>
    /// The server's choice: the first permessage-deflate offer (RFC 7692 §5.1: in the client's order of preference)
    /// it can honour. Offers with unknown, repeated or invalid parameters are declined (RFC 7692 §7.1), as are offers
    /// it cannot honour; a header that is not a valid extension list declines everything.
    /// </summary>
    /// <param name="header">The request's <c>Sec-WebSocket-Extensions</c>, or null.</param>
    /// <returns>The settings of the accepted offer, whose <see cref="DeflateSettings.Extension"/> is the response to
    /// send; null when every offer was declined.</returns>
    public static DeflateSettings? SelectOffer(string? header, DeflatePreferences options)
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

            var response = new DeflateParameters(
                ServerNoContextTakeover: offer.ServerNoContextTakeover || options.ServerNoContextTakeover,
                ClientNoContextTakeover: offer.ClientNoContextTakeover || options.ClientNoContextTakeover,
                // §7.1.2.1: answered when asked (with the value asked or less) or when we limit our window anyway.
                ServerMaxWindowBits: Min(offer.ServerMaxWindowBits, options.ServerMaxWindowBits),
                // §7.1.2.2: only a client that announced client_max_window_bits may be asked to limit its window.
                ClientMaxWindowBits: offer.ClientMaxWindowBits is null ? null : LimitClientWindow(offer.ClientMaxWindowBits.Value, options.ClientMaxWindowBits));

            // The client compresses within what we answered, or within what it offered (an offer's value is its own
            // promise, §7.1.2.2), so our inflater needs no larger window than that.
            var clientWindow = Min(response.ClientMaxWindowBits, offer.ClientMaxWindowBits is > 0 ? offer.ClientMaxWindowBits : null);
            return new DeflateSettings(response.ToString(), response.ServerNoContextTakeover, response.ClientNoContextTakeover,
                options.Threshold, options.Level,
                CompressWindowBits: response.ServerMaxWindowBits ?? DeflateWindow.Max,
                InflateWindowBits: clientWindow ?? DeflateWindow.Max,
                MemoryLevel: options.MemoryLevel);
        }

        return null;
    }

    /// <summary>Checks the server's response against our offer (RFC 7692 §5, §7.1). A client must fail the connection
    /// when the response is invalid or asks for something it did not offer.</summary>
    /// <param name="header">The response's <c>Sec-WebSocket-Extensions</c>; null when the server declined.</param>
    /// <param name="error">Why the response is unacceptable.</param>
    /// <returns>False when the handshake must fail; otherwise true, with the settings (null when declined).</returns>
    public static bool TryAcceptResponse(string? header, DeflatePreferences options, out DeflateSettings? settings, out string? error)
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
            InflateNoContext: response.ServerNoContextTakeover, options.Threshold, options.Level,
            CompressWindowBits: Min(response.ClientMaxWindowBits, options.ClientMaxWindowBits) ?? DeflateWindow.Max,
            InflateWindowBits: response.ServerMaxWindowBits ?? DeflateWindow.Max,
            MemoryLevel: options.MemoryLevel);
        return true;
    }

    private static string? CheckResponse(DeflateParameters response, DeflatePreferences options)
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

        // §7.1.2.2: we announced client_max_window_bits, with our limit as its value when we have one; the server
        // may answer a window of its own, but not a larger one than we said we would use.
        if (options.ClientMaxWindowBits is { } announced && response.ClientMaxWindowBits > announced)
        {
            return $"the server's permessage-deflate response has client_max_window_bits={response.ClientMaxWindowBits}, larger than the {announced} we offered";
        }

        return null;
    }

    private static int? Min(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private static int? LimitClientWindow(int offered, int? configured) => (offered, configured) switch
    {
        (_, null) => null,
        (0, { } bits) => bits,
        ({ } limit, { } bits) => Math.Min(limit, bits),
    };
}
