using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace RxSockets.Tests;

/// <summary>
/// Every public change shows up in review: the public surface, read by reflection, must equal the checked-in
/// PublicAPI.txt (the job PublicAPI.Shipped.txt does in Polly and aspnetcore). After a deliberate change, run the
/// tests once with RXSOCKETS_UPDATE_PUBLIC_API=1 and commit the rewritten file.
/// </summary>
public class PublicApiTests
{
    [Test]
    public void PublicSurface_MatchesCheckedInPublicApiFile()
    {
        var actual = Describe(typeof(Message).Assembly);
        var path = Path.Combine(SourceDirectory(), "PublicAPI.txt");

        if (Environment.GetEnvironmentVariable("RXSOCKETS_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(path, actual);
        }

        var expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        Assert.That(actual, Is.EqualTo(expected),
            "The public API changed. If that is deliberate, rerun with RXSOCKETS_UPDATE_PUBLIC_API=1 and commit PublicAPI.txt.");
    }

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add($"{Kind(type)} {Name(type)}{BaseList(type)}");
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(all))
            {
                if (Describe(member) is { } text)
                {
                    lines.Add($"{Name(type)}.{text}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines) + "\n";
    }

    private static string? Describe(MemberInfo member) => member switch
    {
        ConstructorInfo c when Visible(c) => $".ctor({Parameters(c.GetParameters())})",
        MethodInfo m when Visible(m) && !m.IsSpecialName => $"{(m.IsStatic ? "static " : "")}{m.Name}{Generics(m)}({Parameters(m.GetParameters())}) -> {Name(m.ReturnType)}",
        MethodInfo m when Visible(m) && m.Name.StartsWith("op_", StringComparison.Ordinal) => $"static {m.Name}({Parameters(m.GetParameters())}) -> {Name(m.ReturnType)}",
        PropertyInfo p when Accessors(p).Length > 0 => $"{p.Name} : {Name(p.PropertyType)} {{ {Accessors(p)} }}",
        FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{f.Name} : {Name(f.FieldType)}{(f.IsLiteral ? " = " + f.GetRawConstantValue() : "")}",
        EventInfo e when e.AddMethod is { } add && Visible(add) => $"event {e.Name} : {Name(e.EventHandlerType!)}",
        _ => null,
    };

    private static bool Visible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static string Accessors(PropertyInfo property)
    {
        var parts = new List<string>();
        if (property.GetMethod is { } get && Visible(get))
        {
            parts.Add("get;");
        }

        if (property.SetMethod is { } set && Visible(set))
        {
            var initOnly = set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
            parts.Add(initOnly ? "init;" : "set;");
        }

        return string.Join(" ", parts);
    }

    private static string Kind(Type type) =>
        type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class"
        : type.IsSubclassOf(typeof(Delegate)) ? "delegate" : $"{(type.IsAbstract ? "abstract " : type.IsSealed ? "sealed " : "")}class";

    private static string BaseList(Type type)
    {
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
        {
            bases.Add(Name(baseType));
        }

        bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic).Select(Name).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static string Generics(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";

    private static string Parameters(ParameterInfo[] parameters) =>
        string.Join(", ", parameters.Select(p => $"{(p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        var builder = new StringBuilder(type.IsNested ? Name(type.DeclaringType!) + "." : (type.Namespace is { } ns ? ns + "." : ""));
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        builder.Append(tick < 0 ? name : name[..tick]);
        if (type.IsGenericType)
        {
            builder.Append('<').AppendJoin(", ", type.GetGenericArguments().Select(Name)).Append('>');
        }

        return builder.ToString();
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
