namespace RxSockets.Tests.Support;

/// <summary>Payloads of 1 to 3,000 bytes whose size and content both depend on their index, for echo tests that keep
/// many messages in flight: a pooled buffer given back too early shows as another message's bytes.</summary>
internal static class MixedPayloads
{
    public static byte[] Of(int i) => [.. Enumerable.Range(0, 1 + (i * 37 % 3000)).Select(j => (byte)(i + j))];
}
