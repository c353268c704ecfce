using System.Text.Json.Serialization;

namespace RxSockets.Dashboard;

/// <summary>Source-generated JSON for the samples (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MetricsSample))]
internal sealed partial class DashboardJson : JsonSerializerContext;
