using System.Reflection.Emit;
using System.Reflection.Metadata;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// Lists every dependency between the types of one assembly, from all the places metadata records one: base types,
/// interfaces, generic constraints, attributes, field, method, property, event and local signatures, explicit
/// overrides, catch clauses, and each token in the method bodies' IL (calls, newobj, field access, casts, ldtoken,
/// generic instantiations through TypeSpec/MethodSpec/MemberRef).
/// </summary>
internal static class DependencyReader
{
    public static List<Dependency> Read(CompiledAssembly assembly)
    {
        var reader = assembly.Reader;
        var collector = new TypeCollector(reader);
        var found = new List<Dependency>();

        foreach (var handle in reader.TypeDefinitions)
        {
            var from = assembly.Outermost(handle);
            var type = reader.GetTypeDefinition(handle);

            void Add(IEnumerable<TypeDefinitionHandle> targets, string via, bool constructs = false)
            {
                foreach (var target in targets)
                {
                    var to = assembly.Outermost(target);
                    if (to != from)
                    {
                        found.Add(new Dependency(from, to, via, constructs));
                    }
                }
            }

            void Attributes(CustomAttributeHandleCollection attributes, string on)
            {
                foreach (var attribute in attributes)
                {
                    Add(collector.Collect(reader.GetCustomAttribute(attribute).Constructor), $"attribute on {on}");
                }
            }

            void GenericParameters(GenericParameterHandleCollection parameters, string on)
            {
                foreach (var parameter in parameters.Select(reader.GetGenericParameter))
                {
                    Attributes(parameter.GetCustomAttributes(), on);
                    foreach (var constraint in parameter.GetConstraints())
                    {
                        Add(collector.Collect(reader.GetGenericParameterConstraint(constraint).Type), $"constraint on {on}");
                    }
                }
            }

            Add(collector.Collect(type.BaseType), "base type");
            foreach (var implementation in type.GetInterfaceImplementations())
            {
                Add(collector.Collect(reader.GetInterfaceImplementation(implementation).Interface), "interface");
            }

            Attributes(type.GetCustomAttributes(), "the type");
            GenericParameters(type.GetGenericParameters(), "the type");

            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                var name = reader.GetString(field.Name);
                Add(collector.CollectSignature(field.Signature), assembly.DescribeField(handle, name));
                Attributes(field.GetCustomAttributes(), name);
            }

            foreach (var propertyHandle in type.GetProperties())
            {
                var property = reader.GetPropertyDefinition(propertyHandle);
                var name = reader.GetString(property.Name);
                Add(collector.CollectSignature(property.Signature), $"property {name}");
                Attributes(property.GetCustomAttributes(), name);
            }

            foreach (var eventHandle in type.GetEvents())
            {
                var @event = reader.GetEventDefinition(eventHandle);
                var name = reader.GetString(@event.Name);
                Add(collector.Collect(@event.Type), $"event {name}");
                Attributes(@event.GetCustomAttributes(), name);
            }

            foreach (var implementation in type.GetMethodImplementations().Select(reader.GetMethodImplementation))
            {
                Add(collector.Collect(implementation.MethodDeclaration), "explicit implementation");
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                var member = assembly.Member(methodHandle);
                Add(collector.CollectSignature(method.Signature), $"signature of {member}");
                Attributes(method.GetCustomAttributes(), member);
                GenericParameters(method.GetGenericParameters(), member);
                foreach (var parameter in method.GetParameters())
                {
                    Attributes(reader.GetParameter(parameter).GetCustomAttributes(), member);
                }

                if (assembly.Body(method) is not { } body)
                {
                    continue;
                }

                if (!body.LocalSignature.IsNil)
                {
                    Add(collector.Collect(body.LocalSignature), $"local in {member}");
                }

                foreach (var region in body.ExceptionRegions)
                {
                    Add(collector.Collect(region.CatchType), $"catch in {member}");
                }

                foreach (var (opCode, token) in IlWalker.Tokens(body))
                {
                    var via = $"{opCode.Name} in {member}";
                    Add(collector.Collect(token), via);
                    if (opCode == OpCodes.Newobj && ConstructedType(reader, token) is { IsNil: false } constructed)
                    {
                        Add([constructed], via, constructs: true);
                    }
                }
            }
        }

        return found;
    }

    // The type whose constructor a newobj calls: the declaring type of a MethodDef, or the parent of a MemberRef, a
    // generic instance's definition when the parent is a TypeSpec (new Foo<int>()). Only this assembly's types count.
    private static TypeDefinitionHandle ConstructedType(MetadataReader reader, EntityHandle constructor)
    {
        if (constructor.Kind == HandleKind.MethodDefinition)
        {
            return reader.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType();
        }

        if (constructor.Kind != HandleKind.MemberReference)
        {
            return default;
        }

        var parent = reader.GetMemberReference((MemberReferenceHandle)constructor).Parent;
        if (parent.Kind == HandleKind.TypeSpecification)
        {
            var blob = reader.GetBlobReader(reader.GetTypeSpecification((TypeSpecificationHandle)parent).Signature);
            if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
            {
                return default;
            }

            blob.ReadSignatureTypeCode(); // CLASS or VALUETYPE
            parent = blob.ReadTypeHandle();
        }

        return parent.Kind == HandleKind.TypeDefinition ? (TypeDefinitionHandle)parent : default;
    }
}
