using System.Text.Json.Serialization;

namespace RxSockets.Json.Tests.Support;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Tick))]
[JsonSerializable(typeof(Chat))]
[JsonSerializable(typeof(Join))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
