using System.Diagnostics.Metrics;

namespace RxSockets.Transport;

/// <summary>Every open <see cref="ConnectionDriver"/> of the process, for the queue-depth instruments, which read the
/// queues only when a collector asks. An intrusive doubly linked list (the links are fields of the driver) under one
/// lock: joining and leaving allocate nothing and cost one uncontended lock per connection, never anything per message.
/// Diagnostics sits below Transport, so this registry hands the instruments its reader (<see cref="Diagnostics.RxSocketsMetrics.QueueDepths"/>)
/// the first time a connection joins; before that there is no queue to measure.</summary>
internal static class ConnectionDriverRegistry
{
    private static readonly Lock s_gate = new();
    private static ConnectionDriver? s_first;

    static ConnectionDriverRegistry() => Diagnostics.RxSocketsMetrics.QueueDepths = QueueDepths;

    public static void Add(ConnectionDriver driver)
    {
        lock (s_gate)
        {
            IntrusiveList.AddFirst(ref s_first, driver);
        }
    }

    public static void Remove(ConnectionDriver driver)
    {
        lock (s_gate)
        {
            _ = IntrusiveList.TryRemove(ref s_first, driver);   // not there when removed already
        }
    }

    /// <summary>The queues' sums now, by role and direction: messages, or their payload bytes.</summary>
    public static IEnumerable<Measurement<long>> QueueDepths(bool bytes)
    {
        long serverIn = 0, serverOut = 0, clientIn = 0, clientOut = 0;
        lock (s_gate)
        {
            for (var driver = s_first; driver is not null; driver = driver.RegistryNext)
            {
                var inbound = bytes ? driver.Inbox.Bytes : driver.Inbox.Count;
                var outbound = bytes ? driver.Outbox.BufferedAmount : driver.Outbox.Count;
                if (driver.Role == ConnectionRole.Server)
                {
                    serverIn += inbound;
                    serverOut += outbound;
                }
                else
                {
                    clientIn += inbound;
                    clientOut += outbound;
                }
            }
        }

        return
        [
            Depth(serverIn, ConnectionRole.Server, Diagnostics.RxSocketsMetrics.Inbound),
            Depth(serverOut, ConnectionRole.Server, Diagnostics.RxSocketsMetrics.Outbound),
            Depth(clientIn, ConnectionRole.Client, Diagnostics.RxSocketsMetrics.Inbound),
            Depth(clientOut, ConnectionRole.Client, Diagnostics.RxSocketsMetrics.Outbound),
        ];
    }

    private static Measurement<long> Depth(long value, ConnectionRole role, string direction) =>
        new(value, Diagnostics.RxSocketsMetrics.Role(role), new KeyValuePair<string, object?>(Diagnostics.RxSocketsMetrics.DirectionTag, direction));
}
