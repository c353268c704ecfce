namespace RxSockets;

/// <summary>Close status codes (RFC 6455 §7.4 and the IANA registry).</summary>
/// <remarks>Codes 3000–3999 are registered by libraries and frameworks, 4000–4999 are for private use; cast any of
/// them to <see cref="CloseCode"/> to send them.</remarks>
public enum CloseCode : ushort
{
    /// <summary>1000: the purpose of the connection has been fulfilled.</summary>
    NormalClosure = 1000,

    /// <summary>1001: the endpoint is going away (server shutting down, browser leaving the page).</summary>
    GoingAway = 1001,

    /// <summary>1002: the peer broke the protocol.</summary>
    ProtocolError = 1002,

    /// <summary>1003: the endpoint received a type of data it cannot accept.</summary>
    UnsupportedData = 1003,

    /// <summary>1004: reserved by RFC 6455 §7.4.1 for a meaning not yet defined. Never sent (<see
    /// cref="WebSocketConnection.CloseAsync"/> refuses it with <see cref="ArgumentException"/>), and a close frame
    /// that carries it is a protocol error, answered with 1002.</summary>
    Reserved = 1004,

    /// <summary>1005: reserved; reported when a close frame carried no status code. Never sent.</summary>
    NoStatusReceived = 1005,

    /// <summary>1006: reserved; reported when the connection closed without a close frame. Never sent.</summary>
    AbnormalClosure = 1006,

    /// <summary>1007: a message's data was not consistent with its type (for example invalid UTF-8 in text).</summary>
    InvalidPayloadData = 1007,

    /// <summary>1008: a message violated the endpoint's policy.</summary>
    PolicyViolation = 1008,

    /// <summary>1009: a message was too big to process.</summary>
    MessageTooBig = 1009,

    /// <summary>1010: the client expected the server to negotiate an extension it did not.</summary>
    MandatoryExtension = 1010,

    /// <summary>1011: the server met an unexpected condition.</summary>
    InternalError = 1011,

    /// <summary>1012: the server is restarting.</summary>
    ServiceRestart = 1012,

    /// <summary>1013: try again later (the server is overloaded).</summary>
    TryAgainLater = 1013,

    /// <summary>1014: a gateway or proxy received an invalid response from the upstream server.</summary>
    BadGateway = 1014,

    /// <summary>1015: reserved; reported when the TLS handshake failed. Never sent.</summary>
    TlsHandshakeFailure = 1015,
}
