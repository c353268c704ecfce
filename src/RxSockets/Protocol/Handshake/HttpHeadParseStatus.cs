namespace RxSockets.Protocol.Handshake;

/// <summary>The outcome of <see cref="HttpHead.TryParse"/>.</summary>
internal enum HttpHeadParseStatus
{
    /// <summary>A whole head was parsed and the buffer advanced past its empty line.</summary>
    Complete,

    /// <summary>The head is not complete yet; the buffer is untouched. Read more and try again.</summary>
    NeedMoreData,

    /// <summary>The head is longer than allowed, or has too many fields. A server answers 431.</summary>
    TooLarge,

    /// <summary>The head breaks the HTTP/1.1 syntax. A server answers 400.</summary>
    Malformed,
}
