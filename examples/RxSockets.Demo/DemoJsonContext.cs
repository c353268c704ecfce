using System.Text.Json.Serialization;

namespace RxSockets.Demo;

/// <summary>Source-generated JSON contracts for the feed (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Tick))]
[JsonSerializable(typeof(SubscribeRequest))]
public sealed partial class DemoJsonContext : JsonSerializerContext;
