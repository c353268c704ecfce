namespace RxSockets.Resumption;

/// <summary>One decoded message of the resume protocol.</summary>
/// <param name="Kind">What it carries.</param>
/// <param name="Sequence">Data: its number. Ack: the last number received. Hello and welcome: the sender's last
/// received number.</param>
/// <param name="Payload">Data: the user's message, type and bytes intact.</param>
/// <param name="SessionId">Hello and welcome: the session; empty in a hello that asks for a new one.</param>
/// <param name="FirstRetained">Hello: the first number the client can still replay.</param>
/// <param name="Resumed">Welcome: whether the session continues (true) or is a fresh one (false).</param>
/// <param name="EndCode">Welcome (v2): the session named in the hello has ended, with this close code.</param>
internal readonly record struct ResumeFrame(
    ResumeFrameKind Kind, long Sequence, Message Payload = default, string SessionId = "", long FirstRetained = 0, bool Resumed = false,
    CloseCode? EndCode = null);
