using BenchmarkDotNet.Running;
using RxSockets.Benchmarks;

if (args is ["allocations", ..])
{
    var messages = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
    return await EchoAllocations.RunAsync(messages, size: 32);
}

BenchmarkSwitcher.FromAssembly(typeof(FrameBenchmarks).Assembly).Run(args);
return 0;
