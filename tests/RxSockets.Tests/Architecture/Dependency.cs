using System.Reflection.Metadata;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// One use of a type by another type of the same assembly (both outermost), and how: "newobj in ConnectAsync",
/// "field _owner", "signature of Accept". <see cref="Constructs"/> is set for a newobj of one of To's constructors.
/// </summary>
internal readonly record struct Dependency(TypeDefinitionHandle From, TypeDefinitionHandle To, string Via, bool Constructs);
