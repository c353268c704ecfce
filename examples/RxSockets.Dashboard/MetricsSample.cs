namespace RxSockets.Dashboard;

/// <summary>One sample of a node's metrics, as the page receives it (JSON, camelCase).</summary>
/// <param name="Sample">Counts up from 1 with every sample of its node.</param>
/// <param name="Clients">Dashboards connected right now, on every node.</param>
/// <param name="HeapBytes">Managed heap size of the sampling node.</param>
/// <param name="WorkingSetBytes">The sampling node's working set.</param>
/// <param name="Threads">Thread-pool threads of the sampling node.</param>
/// <param name="Node">The node that took the sample (with a backplane, perhaps not the one serving the page).</param>
public sealed record MetricsSample(long Sample, long Clients, long HeapBytes, long WorkingSetBytes, int Threads, string Node);
