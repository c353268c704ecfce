namespace RxSockets.Json;

/// <summary>Typed JSON helpers for RxSockets messages.</summary>
public static class JsonMessage
{
}
