using System.Diagnostics.Metrics;
using RxSockets.Transport;

namespace RxSockets.Diagnostics;

/// <summary>Every open <see cref="Session"/> of the process, for the queue-depth instruments, which read the queues
/// only when a collector asks. An intrusive doubly linked list (the links are fields of the session) under one lock:
/// joining and leaving allocate nothing and cost one uncontended lock per connection, never anything per message.</summary>
internal static class SessionRegistry
{
    private static readonly Lock s_gate = new();
    private static Session? s_first;

    public static void Add(Session session)
    {
        lock (s_gate)
        {
            session.RegistryNext = s_first;
            if (s_first is not null)
            {
                s_first.RegistryPrevious = session;
            }

            s_first = session;
            session.IsRegistered = true;
        }
    }

    public static void Remove(Session session)
    {
        lock (s_gate)
        {
            if (!session.IsRegistered)
            {
                return;
            }

            if (session.RegistryPrevious is { } previous)
            {
                previous.RegistryNext = session.RegistryNext;
            }
            else
            {
                s_first = session.RegistryNext;
            }

            if (session.RegistryNext is { } next)
            {
                next.RegistryPrevious = session.RegistryPrevious;
            }

            session.RegistryPrevious = null;
            session.RegistryNext = null;
            session.IsRegistered = false;
        }
    }

    /// <summary>The queues' sums now, by role and direction: messages, or their payload bytes.</summary>
    public static IEnumerable<Measurement<long>> QueueDepths(bool bytes)
    {
        long serverIn = 0, serverOut = 0, clientIn = 0, clientOut = 0;
        lock (s_gate)
        {
            for (var session = s_first; session is not null; session = session.RegistryNext)
            {
                var inbound = bytes ? session.QueuedIncomingBytes : session.QueuedIncomingMessages;
                var outbound = bytes ? session.BufferedAmount : session.QueuedMessages;
                if (session.Role == ConnectionRole.Server)
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
            Depth(serverIn, ConnectionRole.Server, RxSocketsMetrics.Inbound),
            Depth(serverOut, ConnectionRole.Server, RxSocketsMetrics.Outbound),
            Depth(clientIn, ConnectionRole.Client, RxSocketsMetrics.Inbound),
            Depth(clientOut, ConnectionRole.Client, RxSocketsMetrics.Outbound),
        ];
    }

    private static Measurement<long> Depth(long value, ConnectionRole role, string direction) =>
        new(value, RxSocketsMetrics.Role(role), new KeyValuePair<string, object?>(RxSocketsMetrics.DirectionTag, direction));
}
