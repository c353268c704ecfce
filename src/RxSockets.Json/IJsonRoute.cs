using System.Text.Json;

namespace RxSockets.Json;

/// <summary>One registered message type of a <see cref="JsonMessageRouter"/>.</summary>
internal interface IJsonRoute
{
    /// <summary>Binds the parsed object and delivers it; returns the binder's error, or null when delivered.</summary>
    Exception? Deliver(JsonElement root);

    void Complete();

    void Error(Exception error);
}
