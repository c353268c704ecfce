namespace RxSockets.Examples;

/// <summary>One runnable example.</summary>
/// <param name="Name">What to type after <c>--</c>.</param>
/// <param name="Usage">Its arguments.</param>
/// <param name="Description">What it shows.</param>
/// <param name="Run">Runs it with the remaining arguments.</param>
public sealed record Example(string Name, string Usage, string Description,
    Func<IReadOnlyList<string>, TextWriter, CancellationToken, Task> Run);
