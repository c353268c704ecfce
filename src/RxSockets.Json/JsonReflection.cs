using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>Resolves reflection-based contracts for the <see cref="JsonSerializerOptions"/> overloads.</summary>
internal static class JsonReflection
{
    internal const string UnreferencedCodeMessage =
        "Reflection-based JSON serialisation may need types that trimming removes. Pass a JsonTypeInfo<T> from a JsonSerializerContext instead.";

    internal const string DynamicCodeMessage =
        "Reflection-based JSON serialisation may need runtime code generation. Pass a JsonTypeInfo<T> from a JsonSerializerContext instead.";

    [RequiresUnreferencedCode(UnreferencedCodeMessage)]
    [RequiresDynamicCode(DynamicCodeMessage)]
    internal static JsonTypeInfo<T> GetTypeInfo<T>(JsonSerializerOptions? options)
    {
        options ??= JsonSerializerOptions.Default;
        if (options.TypeInfoResolver is null)
        {
            // Options built by hand have no resolver until first used; give them the reflection one.
            options = new JsonSerializerOptions(options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        }

        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }
}
