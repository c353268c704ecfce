namespace RxSockets.Tests.Fuzz;

/// <summary>The kinds of damage <see cref="Mutation"/> does to a frame stream.</summary>
internal enum MutationKind
{
    FlipBit,
    SetByte,
    Truncate,
    InsertGarbage,
    DeleteRange,
    DuplicateRange,
    Splice,
}
