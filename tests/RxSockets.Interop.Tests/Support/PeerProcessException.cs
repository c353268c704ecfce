namespace RxSockets.Interop.Tests.Support;

/// <summary>A peer process did not behave as the test expected; the message carries its stdout and stderr.</summary>
public sealed class PeerProcessException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PeerProcessException"/> class.</summary>
    public PeerProcessException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PeerProcessException"/> class.</summary>
    public PeerProcessException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PeerProcessException"/> class.</summary>
    public PeerProcessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
