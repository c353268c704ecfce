using System.Text.Json.Serialization;

namespace RxSockets.Examples;

/// <summary>Source-generated JSON contracts for the examples (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ChatMessage))]
public sealed partial class ExampleJsonContext : JsonSerializerContext;
