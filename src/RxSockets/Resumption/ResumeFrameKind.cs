namespace RxSockets.Resumption;

/// <summary>What a message of the resume protocol carries.</summary>
internal enum ResumeFrameKind
{
    /// <summary>A numbered user message: <c>d&lt;seq&gt;:</c> then the user's payload, in a frame of the user's type.</summary>
    Data,

    /// <summary>A cumulative acknowledgement, text <c>a&lt;seq&gt;</c>: every message up to seq arrived.</summary>
    Ack,

    /// <summary>The client's first message, text <c>h&lt;session&gt;:&lt;last received&gt;:&lt;first retained&gt;</c>
    /// (an empty session asks for a new one).</summary>
    Hello,

    /// <summary>The server's answer, text <c>w&lt;session&gt;:&lt;last received&gt;:&lt;r|f&gt;</c> (resumed or fresh),
    /// or in v2 <c>…:e&lt;code&gt;</c>: the session ended with that close code, and the close follows.</summary>
    Welcome,
}
