using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// Decodes signatures (fields, methods, locals, generic instantiations) and notes every type of the assembly itself
/// that they mention. Types of other assemblies are not layered here, so they are ignored.
/// </summary>
internal sealed class TypeCollector(MetadataReader reader) : ISignatureTypeProvider<byte, object?>
{
    private readonly List<TypeDefinitionHandle> _found = [];

    /// <summary>The assembly's own types mentioned by <paramref name="handle"/> (a type, member, spec or signature).</summary>
    public IReadOnlyList<TypeDefinitionHandle> Collect(EntityHandle handle)
    {
        _found.Clear();
        Visit(handle);
        return [.. _found];
    }

    /// <summary>The assembly's own types mentioned by a field, method, property or local signature blob.</summary>
    public IReadOnlyList<TypeDefinitionHandle> CollectSignature(BlobHandle signature)
    {
        _found.Clear();
        DecodeBlob(signature);
        return [.. _found];
    }

    private void Visit(EntityHandle handle)
    {
        if (handle.IsNil)
        {
            return;
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                _found.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                break;
            case HandleKind.MethodDefinition:
                _found.Add(reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                _found.Add(reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MemberReference:
                var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                Visit(member.Parent);
                DecodeBlob(member.Signature);
                break;
            case HandleKind.MethodSpecification:
                var spec = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                Visit(spec.Method);
                spec.DecodeSignature(this, null);
                break;
            case HandleKind.StandaloneSignature:
                DecodeBlob(reader.GetStandaloneSignature((StandaloneSignatureHandle)handle).Signature);
                break;
        }
    }

    // One decoder for every signature kind: the blob's header says which it is.
    private void DecodeBlob(BlobHandle blob)
    {
        if (blob.IsNil)
        {
            return;
        }

        var decoder = new SignatureDecoder<byte, object?>(this, reader, null);
        var blobReader = reader.GetBlobReader(blob);
        var header = blobReader.ReadSignatureHeader();
        blobReader.Reset();
        switch (header.Kind)
        {
            case SignatureKind.Field:
                decoder.DecodeFieldSignature(ref blobReader);
                break;
            case SignatureKind.LocalVariables:
                decoder.DecodeLocalSignature(ref blobReader);
                break;
            case SignatureKind.Method:
            case SignatureKind.Property:
                decoder.DecodeMethodSignature(ref blobReader);
                break;
            case SignatureKind.MethodSpecification:
                decoder.DecodeMethodSpecificationSignature(ref blobReader);
                break;
        }
    }

    public byte GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind)
    {
        _found.Add(handle);
        return 0;
    }

    public byte GetTypeFromSpecification(MetadataReader metadata, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
    {
        metadata.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        return 0;
    }

    public byte GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind) => 0;

    public byte GetArrayType(byte elementType, ArrayShape shape) => 0;

    public byte GetByReferenceType(byte elementType) => 0;

    public byte GetGenericInstantiation(byte genericType, ImmutableArray<byte> typeArguments) => 0;

    public byte GetPointerType(byte elementType) => 0;

    public byte GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;

    public byte GetSZArrayType(byte elementType) => 0;

    public byte GetFunctionPointerType(MethodSignature<byte> signature) => 0;

    public byte GetGenericMethodParameter(object? genericContext, int index) => 0;

    public byte GetGenericTypeParameter(object? genericContext, int index) => 0;

    public byte GetModifiedType(byte modifier, byte unmodifiedType, bool isRequired) => 0;

    public byte GetPinnedType(byte elementType) => 0;
}
