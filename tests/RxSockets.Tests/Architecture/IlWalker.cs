using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace RxSockets.Tests.Architecture;

/// <summary>
/// Walks a method body's IL and yields every instruction that carries a metadata token (call, newobj, ldfld, box,
/// ldtoken...). The operand sizes come from System.Reflection.Emit's opcode table, so no opcode is forgotten.
/// </summary>
internal static class IlWalker
{
    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static IlWalker()
    {
        foreach (var field in typeof(OpCodes).GetFields())
        {
            if (field.GetValue(null) is OpCode code)
            {
                var value = (ushort)code.Value;
                (code.Size == 1 ? OneByte : TwoByte)[value & 0xFF] = code;
            }
        }
    }

    /// <summary>The instructions of <paramref name="body"/> whose operand is a token (strings excluded).</summary>
    public static IEnumerable<(OpCode OpCode, EntityHandle Token)> Tokens(MethodBodyBlock body)
    {
        var il = body.GetILReader();
        var found = new List<(OpCode, EntityHandle)>();
        while (il.RemainingBytes > 0)
        {
            var first = il.ReadByte();
            var code = first == 0xFE ? TwoByte[il.ReadByte()] : OneByte[first];
            switch (code.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                case OperandType.InlineSig:
                    found.Add((code, MetadataTokens.EntityHandle(il.ReadInt32())));
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += targets * 4;
                    break;
                default:
                    il.Offset += OperandSize(code.OperandType);
                    break;
            }
        }

        return found;
    }

    private static int OperandSize(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };
}
