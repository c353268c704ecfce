using Microsoft.Extensions.Options;

namespace RxSockets.Hosting;

/// <summary>Checks a named client's options as the client itself would (the core's checks, which name the property),
/// so an invalid value fails the host's start rather than the first use.</summary>
internal sealed class ClientOptionsValidator(ClientNames names) : IValidateOptions<RxSocketsClientOptions>
{
    public ValidateOptionsResult Validate(string? name, RxSocketsClientOptions options)
    {
        if (name is null || !names.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        if (options.Url is null)
        {
            return ValidateOptionsResult.Fail($"RxSockets client '{name}': Url is required (configuration key RxSockets:Clients:{name}:Url, or RxSocketsClientOptions.Url).");
        }

        if (!WebSocketUrl.IsValid(options.Url))
        {
            return ValidateOptionsResult.Fail($"RxSockets client '{name}': Url must be an absolute ws:// or wss:// URL, not '{options.Url}'.");
        }

        try
        {
            // The factory runs every check of the client's and the reconnect options (and keeps only copies): nothing
            // opens, nothing needs disposing.
            _ = new WebSocketClientFactory(options.Url, options.Client, options.Reconnect);
        }
        catch (ArgumentException error)
        {
            return ValidateOptionsResult.Fail($"RxSockets client '{name}': {error.Message}");
        }

        return ValidateOptionsResult.Success;
    }
}
