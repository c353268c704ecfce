namespace RxSockets;

/// <summary>The status of a close frame: a code and a UTF-8 reason of at most 123 bytes.</summary>
/// <param name="Code">The close code.</param>
/// <param name="Reason">The reason; empty when none was given.</param>
public readonly record struct CloseStatus(CloseCode Code, string Reason = "")
{
    /// <summary>Returns "1000 (NormalClosure) reason".</summary>
    public override string ToString() =>
        Reason.Length == 0 ? $"{(int)Code} ({Code})" : $"{(int)Code} ({Code}) {Reason}";
}
