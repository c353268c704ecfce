namespace RxSockets.Tests.Architecture;

/// <summary>
/// The tests mirror the source folders (issue 15): a test file named after a type of the core (<c>XTests.cs</c> for
/// <c>X.cs</c>, or for the partial files <c>X.Concern.cs</c>) sits at the mirrored path of that type's folder, and
/// every test folder is a source folder or one of the suites that cut across the folders. Read from the source tree.
/// </summary>
public class TestLayoutTests
{
    /// <summary>Test folders with no source folder of their own: whole-engine suites and the tests' helpers.</summary>
    private static readonly string[] CrossCutting = ["Architecture", "Conformance", "Fuzz", "Loopback", "Support"];

    [Test]
    public void TestFilesNamedAfterATypeSitInThatTypesFolder()
    {
        var (sources, tests) = Trees();
        var folderOf = sources.GroupBy(file => TypeName(file.Name))
            .ToDictionary(group => group.Key, group => group.Select(file => file.Folder).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var misplaced = tests
            .Where(test => test.Name.EndsWith("Tests.cs", StringComparison.Ordinal))
            .Select(test => (test, Type: test.Name[..^"Tests.cs".Length]))
            .Where(pair => folderOf.TryGetValue(pair.Type, out var folders) && !folders.Contains(pair.test.Folder))
            .Select(pair => $"{pair.test.Folder}/{pair.test.Name} → {string.Join(" or ", folderOf[pair.Type])}/")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.That(misplaced, Is.Empty, "Test files not at the mirrored path of the type they are named after");
    }

    [Test]
    public void EveryTestFolderIsASourceFolderOrACrossCuttingSuite()
    {
        var (sources, tests) = Trees();
        var sourceFolders = sources.Select(file => file.Folder).ToHashSet(StringComparer.Ordinal);
        var strays = tests.Select(test => test.Folder)
            .Where(folder => !sourceFolders.Contains(folder) && !CrossCutting.Contains(folder.Split('/')[0]))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.That(strays, Is.Empty, "Test folders that mirror no source folder (\".\" is the project's root)");
    }

    private static string TypeName(string fileName) => fileName.Split('.')[0];

    private static (List<(string Folder, string Name)> Sources, List<(string Folder, string Name)> Tests) Trees()
    {
        var root = RepositoryRoot.Find();
        return (Files(Path.Combine(root, "src", "RxSockets")), Files(Path.Combine(root, "tests", "RxSockets.Tests")));
    }

    private static List<(string Folder, string Name)> Files(string project) =>
        Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(project, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith("obj/", StringComparison.Ordinal) && !path.StartsWith("bin/", StringComparison.Ordinal))
            .Select(path => (Folder: Path.GetDirectoryName(path)!.Replace('\\', '/') is { Length: > 0 } folder ? folder : ".", Name: Path.GetFileName(path)))
            .ToList();
}
