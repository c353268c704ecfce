using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RxSockets.Protocol.Handshake;

/// <summary>The Sec-WebSocket-Key / Sec-WebSocket-Accept arithmetic of RFC 6455 §4.2.2 and §4.1.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class AcceptKey
{
    /// <summary>The number of random bytes in a client key (RFC 6455 §4.1: a 16-byte nonce).</summary>
    internal const int NonceLength = 16;

    /// <summary>The length of a base64-encoded 16-byte nonce, padding included.</summary>
    internal const int ClientKeyLength = 24;

    /// <summary>The length of a Sec-WebSocket-Accept value: a 20-byte SHA-1 hash, base64-encoded.</summary>
    internal const int AcceptLength = 28;

    private const int MaxStackKeyBytes = 256;

    private static ReadOnlySpan<byte> AcceptGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>Computes the Sec-WebSocket-Accept value a server answers for <paramref name="clientKey"/>.</summary>
    /// <param name="clientKey">The client's Sec-WebSocket-Key, exactly as sent (already trimmed of whitespace).</param>
    /// <returns>base64(SHA-1(key + the RFC 6455 GUID)).</returns>
    public static string Compute(string clientKey)
    {
        ArgumentNullException.ThrowIfNull(clientKey);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        Hash(clientKey, hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>Writes the Sec-WebSocket-Accept value for <paramref name="clientKey"/> as ASCII, without a string.</summary>
    /// <param name="clientKey">The client's Sec-WebSocket-Key, exactly as sent.</param>
    /// <param name="destination">At least <see cref="AcceptLength"/> bytes.</param>
    public static void Write(ReadOnlySpan<char> clientKey, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        Hash(clientKey, hash);
        Base64.EncodeToUtf8(hash, destination, out _, out _);
    }

    private static void Hash(ReadOnlySpan<char> clientKey, Span<byte> hash)
    {
        var length = Encoding.UTF8.GetByteCount(clientKey) + AcceptGuid.Length;
        var input = length <= MaxStackKeyBytes ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(clientKey, input);
        AcceptGuid.CopyTo(input[written..]);

        // RFC 6455 §4.2.2 mandates SHA-1 here: it proves the server read the handshake, it protects nothing.
#pragma warning disable CA5350
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
    }

    /// <summary>Creates a fresh Sec-WebSocket-Key: 16 cryptographically random bytes, base64-encoded.</summary>
    /// <returns>A 24-character key.</returns>
    public static string CreateClientKey()
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        RandomNumberGenerator.Fill(nonce);
        return Convert.ToBase64String(nonce);
    }

    /// <summary>Tells whether <paramref name="acceptKey"/> is the base64 encoding of a 20-byte SHA-1 hash.</summary>
    /// <param name="acceptKey">The candidate Sec-WebSocket-Accept value.</param>
    /// <returns><see langword="true"/> for a well-formed value.</returns>
    public static bool IsValidAccept(string? acceptKey)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        return acceptKey is { Length: AcceptLength }
            && Convert.TryFromBase64String(acceptKey, hash, out var written) && written == SHA1.HashSizeInBytes;
    }

    /// <summary>Tells whether <paramref name="clientKey"/> is the base64 encoding of exactly 16 bytes.</summary>
    /// <param name="clientKey">The candidate key.</param>
    /// <returns><see langword="true"/> for a well-formed key.</returns>
    public static bool IsValidClientKey(string? clientKey)
    {
        // The length test also rules out the whitespace Convert would otherwise skip silently.
        if (clientKey is null || clientKey.Length != ClientKeyLength)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[NonceLength];
        return Convert.TryFromBase64String(clientKey, nonce, out var written) && written == NonceLength;
    }
}
