using BenchmarkDotNet.Running;
using RxSockets.Benchmarks;

if (args is ["allocations", ..])
{
    var messages = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
    var size = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 32;
    return await EchoAllocations.RunAsync(messages, size);
}

if (args is ["broadcast", ..])
{
    // broadcast [N broadcasts] [K subscribers] [--types]
    var numbers = args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal))
        .Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    return await BroadcastAllocations.RunAsync(numbers.Length > 0 ? numbers[0] : 20_000, numbers.Length > 1 ? numbers[1] : 100, size: 64,
        types: args.Contains("--types"));
}

if (args is ["handshakes", ..])
{
    var connections = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
    return await HandshakeAllocations.RunAsync(connections, echo: args.Contains("--echo"), rss: args.Contains("--rss"), types: args.Contains("--types"));
}

if (args is ["handshake-client", var url, var count])
{
    return HandshakeAllocations.RunClients(new Uri(url), int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
}

BenchmarkSwitcher.FromAssembly(typeof(FrameBenchmarks).Assembly).Run(args);
return 0;
