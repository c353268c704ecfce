using System.Text.Json.Serialization;

namespace RxSockets.Json.Tests.Support;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Tick))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
