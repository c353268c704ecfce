namespace RxSockets.Cli;

/// <summary>The tool's exit codes, listed in the help.</summary>
internal static class ExitCodes
{
    /// <summary>Done; for a connection, it ended with a clean close (1000 or 1001).</summary>
    public const int Success = 0;

    /// <summary>The connection or handshake failed, or the peer closed with another code.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;
}
