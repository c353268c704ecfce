namespace RxSockets.Resumption;

/// <summary>What a received data number means for the receiving side.</summary>
internal enum InboundVerdict
{
    /// <summary>The next number expected: deliver it.</summary>
    Next,

    /// <summary>Already delivered (a replay overlapping what arrived before the drop): drop it.</summary>
    Duplicate,

    /// <summary>Beyond the next number: something was skipped, which the protocol never does.</summary>
    Gap,
}
