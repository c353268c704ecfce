namespace RxSockets.Tests.Architecture;

/// <summary>The checkout the tests run from, for the checks that read the source tree.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RxSockets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No RxSockets.sln above {AppContext.BaseDirectory}.");
    }
}
