using System.Text.Json.Serialization;

namespace RxSockets.Examples;

/// <summary>Source-generated JSON contracts for the examples (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(SayRequest))]
[JsonSerializable(typeof(AckReply))]
[JsonSerializable(typeof(ErrorReply))]
public sealed partial class ExampleJsonContext : JsonSerializerContext;
