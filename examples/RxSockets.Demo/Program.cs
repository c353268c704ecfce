using System.Globalization;
using RxSockets.Demo;

var options = new DemoOptions();
if (args is ["--seconds", var seconds])
{
    options.Duration = TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture));
}
else if (args.Length > 0)
{
    Console.Error.WriteLine("Usage: dotnet run --project examples/RxSockets.Demo [-- --seconds N]");
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
    await TradingDemo.RunAsync(options, Console.Out, stop.Token);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0;
}
