namespace RxSockets.Messaging;

/// <summary>The kinds of <c>rxsockets.v1</c> frames (the README's "Messaging protocol"), by their wire name <c>t</c>.</summary>
internal enum FrameKind
{
    /// <summary><c>sub</c>: subscribe to a topic, from a position when given (client → server).</summary>
    Subscribe,

    /// <summary><c>unsub</c>: leave a topic (client → server).</summary>
    Unsubscribe,

    /// <summary><c>pub</c>: publish to a topic, acknowledged by <see cref="PublishAck"/> (client → server).</summary>
    Publish,

    /// <summary><c>req</c>: a request, answered by <see cref="Reply"/> or <see cref="Error"/> (either direction).</summary>
    Request,

    /// <summary><c>res</c>: the reply to a request (either direction).</summary>
    Reply,

    /// <summary><c>err</c>: a request-like frame failed (either direction).</summary>
    Error,

    /// <summary><c>subok</c>: subscribed; every publication after its position follows (server → client).</summary>
    Subscribed,

    /// <summary><c>unsubok</c>: unsubscribed (server → client).</summary>
    Unsubscribed,

    /// <summary><c>puback</c>: a publication was accepted at a position (server → client).</summary>
    PublishAck,

    /// <summary><c>p</c>: a publication of a subscribed topic (server → client).</summary>
    Publication,

    /// <summary><c>gap</c>: publications that cannot be recovered; the subscription goes on live (server → client).</summary>
    Gap,
}
