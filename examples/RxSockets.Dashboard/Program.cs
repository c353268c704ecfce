using RxSockets.Dashboard;

// dotnet run --project examples/RxSockets.Dashboard [-- PORT]: open the printed address in a browser.
var port = args.Length > 0 && int.TryParse(args[0], out var given) ? given : 5080;
await using var app = await DashboardApp.StartAsync(port, TimeSpan.FromSeconds(1));
Console.WriteLine($"dashboard on {app.Url} (Ctrl+C to stop)");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
