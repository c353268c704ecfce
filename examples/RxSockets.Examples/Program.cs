using RxSockets;
using RxSockets.Examples;

if (args.Length == 0 || args[0] is "--list" or "-l" or "--help" or "-h")
{
    Console.WriteLine("Usage: dotnet run --project examples/RxSockets.Examples -- <example> [args]");
    Console.WriteLine("Client examples start an in-process echo server when no URL is given.");
    Console.WriteLine();
    foreach (var example in ExampleCatalog.All)
    {
        Console.WriteLine($"  {example.Name,-17} {example.Usage,-11} {example.Description}");
    }

    return args.Length == 0 ? 1 : 0;
}

var chosen = ExampleCatalog.Find(args[0]);
if (chosen is null)
{
    Console.Error.WriteLine($"Unknown example '{args[0]}'. Run with --list to see them all.");
    return 1;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    await chosen.Run(args[1..], Console.Out, stop.Token);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0;
}
catch (Exception error) when (error is RxSocketsException or System.Net.Sockets.SocketException or UriFormatException or FormatException)
{
    Console.Error.WriteLine($"{chosen.Name} failed: {error.Message}");
    return 1;
}
