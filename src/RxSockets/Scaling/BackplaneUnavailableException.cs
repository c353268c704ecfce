namespace RxSockets.Scaling;

/// <summary>The backplane cannot reach the cluster (Redis is down or unreachable): the operation did not reach the other
/// nodes. A topic publish that throws it was still delivered to this node's members (<see cref="LocalDeliveries"/>).</summary>
public sealed class BackplaneUnavailableException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    public BackplaneUnavailableException()
        : this("The backplane is unavailable.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BackplaneUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BackplaneUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>For a topic publish: the number of this node's members it was still queued on.</summary>
    public int LocalDeliveries { get; init; }
}
