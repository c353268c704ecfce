namespace RxSockets.Dashboard;

/// <summary>One sample of the server's metrics, as the page receives it (JSON, camelCase).</summary>
/// <param name="Sample">Counts up from 1 with every sample.</param>
/// <param name="Clients">Dashboards connected right now.</param>
/// <param name="HeapBytes">Managed heap size.</param>
/// <param name="WorkingSetBytes">The process's working set.</param>
/// <param name="Threads">Thread-pool threads.</param>
public sealed record MetricsSample(long Sample, int Clients, long HeapBytes, long WorkingSetBytes, int Threads);
