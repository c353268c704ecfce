using RxSockets;
using RxSockets.Dashboard;

// dotnet run --project examples/RxSockets.Dashboard [-- PORT] [--backplane redis://HOST:PORT] [--no-sampler] …:
// open the printed address in a browser.
DashboardOptions options;
try
{
    options = DashboardOptions.Parse(args);
}
catch (FormatException error)
{
    Console.Error.WriteLine($"error: {error.Message}. Usage: RxSockets.Dashboard {DashboardOptions.Usage}");
    return 2;
}

DashboardApp app;
try
{
    app = await DashboardApp.StartAsync(options);
}
catch (Exception error) when (error is RxSocketsException or FormatException or IOException)
{
    Console.Error.WriteLine($"error: the dashboard did not start: {error.Message}");
    return 1;
}

await using (app)
{
    Console.WriteLine($"dashboard on {app.Url} (Ctrl+C to stop)");
    if (options.Backplane is not null)
    {
        Console.WriteLine($"node {app.NodeId}: {(options.Sampler ? "publishing samples to" : "serving pages only, fed through")} the metrics topic shared on Redis");
    }

    // Ctrl+C (SIGINT) and SIGTERM stop the host (its console lifetime listens for them).
    await app.WaitForShutdownAsync();
}

return 0;
