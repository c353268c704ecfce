using Microsoft.AspNetCore.SignalR;

namespace RxSockets.Bench.ScaleOutSignalR;

/// <summary>Adds each connection to the group "bench", then welcomes it (the group, and with the Redis backplane the
/// node's subscription to the group's channel, are in place by then).</summary>
public sealed class BenchHub : Hub
{
    public const string Group = "bench";

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Group);
        await Clients.Caller.SendAsync("w", ScaleOutPayload.Text(ScaleOutPayload.Welcome, ScaleOutPayload.MinimumSize));
    }
}
