namespace RxSockets.Tests.Architecture;

/// <summary>
/// No source file of a package passes 400 lines (issue 15): a type that grows past it is split by concern (partial
/// files <c>Type.Concern.cs</c> in its feature's folder, or a small internal type where a concern has its own state),
/// not cut in the middle. Read from the source tree, so it needs no build of what it checks.
/// </summary>
public class SourceFileSizeTests
{
    private const int MaxLines = 400;

    [Test]
    public void NoSourceFileIsOverTheLimit()
    {
        var root = RepositoryRoot.Find();
        var over = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal))
            .Select(path => (Path: path, Lines: File.ReadLines(Path.Combine(root, path)).Count()))
            .Where(file => file.Lines > MaxLines)
            .Select(file => $"{file.Path}: {file.Lines} lines")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.That(over, Is.Empty,
            $"Source files over {MaxLines} lines: split each by concern (see the README's \"Reading order\" for how the surfaces are split).");
    }
}
