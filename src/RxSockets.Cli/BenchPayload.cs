namespace RxSockets.Cli;

/// <summary>The binary message <c>bench</c> sends, and the check that what came back is its echo.</summary>
internal static class BenchPayload
{
    public static byte[] Create(int size)
    {
        var payload = new byte[size];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)i;
        }

        return payload;
    }

    public static void CheckEcho(Message message, int size)
    {
        if (!message.IsBinary || message.Data.Length != size)
        {
            throw new InvalidOperationException($"The server did not echo: got {message}, expected a binary message of {size} bytes.");
        }
    }
}
