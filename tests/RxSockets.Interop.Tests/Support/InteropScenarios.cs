using System.Text;

namespace RxSockets.Interop.Tests.Support;

/// <summary>
/// Scenarios shared by every client/server pairing, so that the RxSockets tests and the peer harness tests (BCL
/// WebSocket) exercise the same sizes, payloads and close codes. The peers' script mode sends the same
/// sequence as <see cref="EchoCases"/>. Thread-safe: everything is immutable.
/// </summary>
public static class InteropScenarios
{
    /// <summary>The payload of the ping that client scripts send by default.</summary>
    public const string PingPayload = "ping-payload";

    /// <summary>Gets the close a client initiates: an application code (RFC 6455 §7.4.2) and a reason with a space.</summary>
    /// <value>4000, "client says bye".</value>
    public static PeerClosure ClientClose { get; } = new(4000, "client says bye");

    /// <summary>Gets the close a server initiates.</summary>
    /// <value>4001, "server says bye".</value>
    public static PeerClosure ServerClose { get; } = new(4001, "server says bye");

    /// <summary>Gets the echo scenario: both opcodes, empty payloads, multi-byte UTF-8 and every length-encoding edge (RFC 6455 §5.2).</summary>
    /// <value>Ten messages, the last 16 MiB.</value>
    public static IReadOnlyList<EchoCase> EchoCases { get; } =
    [
        new("text", MessageType.Text, Encoding.UTF8.GetBytes("hello")),
        new("empty-text", MessageType.Text, Array.Empty<byte>()),
        new("empty-binary", MessageType.Binary, Array.Empty<byte>()),
        new("unicode-text", MessageType.Text, Encoding.UTF8.GetBytes("h\u00e9llo w\u00f6rld \u2713 \U0001F680")),
        new("binary-125", MessageType.Binary, Payloads.Binary(125)),
        new("binary-126", MessageType.Binary, Payloads.Binary(126)),
        new("binary-65535", MessageType.Binary, Payloads.Binary(65535)),
        new("binary-65536", MessageType.Binary, Payloads.Binary(65536)),
        new("text-65536", MessageType.Text, Payloads.Text(65536)),
        new("binary-16MiB", MessageType.Binary, Payloads.Binary(Payloads.SixteenMebibytes)),
    ];

    /// <summary>Deterministic payloads, identical to the generators in ws-client.js and py-client.py.</summary>
    public static class Payloads
    {
        /// <summary>16 MiB, the largest message the scenarios send.</summary>
        public const int SixteenMebibytes = 16 * 1024 * 1024;

        /// <summary>Returns <paramref name="length"/> bytes where byte i is (i * 31 + 7) mod 256.</summary>
        public static byte[] Binary(int length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            var payload = new byte[length];
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] = unchecked((byte)((i * 31) + 7));
            }

            return payload;
        }

        /// <summary>Returns <paramref name="length"/> bytes of UTF-8 (ASCII) text cycling through 'a' to 'z'.</summary>
        public static byte[] Text(int length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            var payload = new byte[length];
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] = (byte)('a' + (i % 26));
            }

            return payload;
        }
    }
}
