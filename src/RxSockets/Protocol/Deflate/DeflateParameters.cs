using System.Globalization;
using System.Text;

namespace RxSockets.Protocol.Deflate;

/// <summary>The parameters of one permessage-deflate offer or response (RFC 7692 §7.1). A window size of 0 in
/// <see cref="ClientMaxWindowBits"/> stands for the parameter without a value (an offer's "I support it").</summary>
internal readonly record struct DeflateParameters(
    bool ServerNoContextTakeover, bool ClientNoContextTakeover, int? ServerMaxWindowBits, int? ClientMaxWindowBits)
{
    public const string ExtensionName = "permessage-deflate";

    /// <summary>Reads the parameters of one element; false when one is unknown, repeated or has an invalid value
    /// (RFC 7692 §7.1: such an offer is declined, such a response fails the connection).</summary>
    /// <param name="isOffer">True for a client's offer, where <c>client_max_window_bits</c> may lack a value.</param>
    public static bool TryRead(ExtensionOffer element, bool isOffer, out DeflateParameters parameters, out string? error)
    {
        parameters = default;
        error = null;
        bool serverNoContext = false, clientNoContext = false;
        int? serverBits = null, clientBits = null;
        foreach (var (name, value) in element.Parameters)
        {
            switch (name.ToLowerInvariant())
            {
                case "server_no_context_takeover" when !serverNoContext && value is null:
                    serverNoContext = true;
                    break;
                case "client_no_context_takeover" when !clientNoContext && value is null:
                    clientNoContext = true;
                    break;
                case "server_max_window_bits" when serverBits is null && TryReadBits(value, out var bits):
                    serverBits = bits;
                    break;
                case "client_max_window_bits" when clientBits is null && value is null && isOffer:
                    clientBits = 0;
                    break;
                case "client_max_window_bits" when clientBits is null && TryReadBits(value, out var bits):
                    clientBits = bits;
                    break;
                default:
                    error = $"invalid, repeated or unknown parameter '{name}{(value is null ? "" : "=" + value)}'";
                    return false;
            }
        }

        parameters = new DeflateParameters(serverNoContext, clientNoContext, serverBits, clientBits);
        return true;
    }

    /// <summary>Formats as one <c>Sec-WebSocket-Extensions</c> element.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(ExtensionName);
        if (ServerNoContextTakeover)
        {
            text.Append("; server_no_context_takeover");
        }

        if (ClientNoContextTakeover)
        {
            text.Append("; client_no_context_takeover");
        }

        if (ServerMaxWindowBits is { } server)
        {
            text.Append(CultureInfo.InvariantCulture, $"; server_max_window_bits={server}");
        }

        if (ClientMaxWindowBits is { } client)
        {
            text.Append(client == 0 ? "; client_max_window_bits" : string.Create(CultureInfo.InvariantCulture, $"; client_max_window_bits={client}"));
        }

        return text.ToString();
    }

    /// <summary>RFC 7692 §7.1.2: a window size is a decimal 8 to 15 without leading zeros.</summary>
    private static bool TryReadBits(string? value, out int bits)
    {
        bits = 0;
        return value is { Length: 1 or 2 } && value[0] != '0' && value.All(char.IsAsciiDigit)
            && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out bits) && bits is >= 8 and <= 15;
    }
}
