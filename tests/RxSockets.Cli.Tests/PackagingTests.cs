using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using RxSockets.Cli.Tests.Support;
using RxSockets.Tests.Shared;

namespace RxSockets.Cli.Tests;

/// <summary>
/// The packages as a user gets them: RxSockets, RxSockets.Hosting and the RxSockets.Cli tool are packed into a temporary folder, the
/// tool is installed from there into a temporary tool path and run (<c>--version</c>, an echo through
/// <c>rxsockets serve</c>), and tests/PackageConsumer (a project outside the solution) restores RxSockets from that
/// folder and runs an echo. The packs reuse this test run's build (<c>--no-build</c>, same configuration) so the class
/// stays well under two minutes; the Release packs are the same projects with the same package properties.
/// </summary>
[NonParallelizable]
public class PackagingTests
{
    private const int TimeoutMs = 300_000;

    private static readonly string Version = Dispatcher.Version;

    /// <summary>Every library package but the core.</summary>
    private static readonly string[] AddOns = ["RxSockets.Json", "RxSockets.AspNetCore", "RxSockets.Hosting", "RxSockets.Redis", "RxSockets.Testing"];

    private static readonly string[] Libraries = ["RxSockets", .. AddOns];

    private string _root = "";
    private string _packages = "";
    private string _nugetCache = "";
    private string _toolPath = "";

    [OneTimeSetUp]
    public async Task PackAndInstallAsync()
    {
        using var timeout = new CancellationTokenSource(TimeoutMs);
        var repository = FindRepository();
        _root = Directory.CreateTempSubdirectory("rxsockets-packaging-").FullName;
        _packages = Directory.CreateDirectory(Path.Combine(_root, "packages")).FullName;
        // A private package cache: a package of the same version from an earlier run must not be taken for this one.
        _nugetCache = Directory.CreateDirectory(Path.Combine(_root, "nuget-cache")).FullName;
        _toolPath = Path.Combine(_root, "tools");
        var configuration = typeof(PackagingTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

        foreach (var project in AddOns.Append("RxSockets").Append("RxSockets.Cli"))
        {
            await RunDotnetAsync(repository, timeout.Token, "pack", Path.Combine(repository, "src", project, project + ".csproj"),
                "--no-build", "-c", configuration, "-o", _packages, "-nodeReuse:false");
        }

        // Only the folder: the tool package carries its dependencies, so the install needs no other source.
        var toolConfig = Path.Combine(_root, "tool.NuGet.config");
        await File.WriteAllTextAsync(toolConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="rxsockets-packed" value="{_packages}" />
              </packageSources>
            </configuration>
            """, timeout.Token);
        await RunDotnetAsync(_root, timeout.Token, "tool", "install", "RxSockets.Cli", "--tool-path", _toolPath,
            "--add-source", _packages, "--version", Version, "--configfile", toolConfig);
    }

    [OneTimeTearDown]
    public void DeleteTemporaryFolder()
    {
        if (_root.Length > 0)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [TestCaseSource(nameof(Libraries))]
    public void Pack_LibraryPackage_HasMetadataReadmeXmlDocsSymbols_AndAnAddOnDependsOnTheSameCoreVersion(string id)
    {
        using var package = ZipFile.OpenRead(Path.Combine(_packages, $"{id}.{Version}.nupkg"));
        var nuspec = ReadEntry(package, $"{id}.nuspec");

        Assert.That(nuspec, Does.Contain($"<version>{Version}</version>"));
        Assert.That(nuspec, Does.Contain("<license type=\"expression\">MIT</license>"));
        Assert.That(nuspec, Does.Contain("<readme>README.md</readme>"));
        Assert.That(nuspec, Does.Match("<description>[^<]{20,}</description>"));
        Assert.That(nuspec, Does.Contain("<tags>websocket"));
        Assert.That(nuspec, Does.Contain("<repository type=\"git\" url=\"https://"));
        if (id != "RxSockets")
        {
            Assert.That(nuspec, Does.Contain($"<dependency id=\"RxSockets\" version=\"{Version}\""));
        }

        Assert.That(package.GetEntry("README.md"), Is.Not.Null);
        Assert.That(package.GetEntry($"lib/net10.0/{id}.dll"), Is.Not.Null);
        Assert.That(package.GetEntry($"lib/net10.0/{id}.xml"), Is.Not.Null, "XML docs");
        Assert.That(File.Exists(Path.Combine(_packages, $"{id}.{Version}.snupkg")), "symbol package");
    }

    [Test]
    public void Pack_HostingPackage_DependsOnTheExtensionsAbstractions()
    {
        using var package = ZipFile.OpenRead(Path.Combine(_packages, $"RxSockets.Hosting.{Version}.nupkg"));
        var nuspec = ReadEntry(package, "RxSockets.Hosting.nuspec");

        Assert.That(nuspec, Does.Contain("<description>Dependency injection and Generic Host support for RxSockets"));
        Assert.That(nuspec, Does.Contain("<dependency id=\"Microsoft.Extensions.Hosting.Abstractions\""));
        Assert.That(nuspec, Does.Contain("<dependency id=\"Microsoft.Extensions.Options.ConfigurationExtensions\""));
    }

    [Test]
    public void Pack_CliPackage_IsADotnetToolNamedRxsockets()
    {
        using var package = ZipFile.OpenRead(Path.Combine(_packages, $"RxSockets.Cli.{Version}.nupkg"));
        var nuspec = ReadEntry(package, "RxSockets.Cli.nuspec");
        var settings = package.Entries.Single(e => e.Name == "DotnetToolSettings.xml");

        Assert.That(nuspec, Does.Contain("<packageType name=\"DotnetTool\""));
        Assert.That(nuspec, Does.Contain("<license type=\"expression\">MIT</license>"));
        Assert.That(ReadEntry(package, settings.FullName), Does.Contain("<Command Name=\"rxsockets\""));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task InstalledTool_Version_PrintsThePackageVersion(CancellationToken cancellationToken)
    {
        await using var tool = CliProcess.StartProgram(ToolCommand, ToolEnvironment(), "--version");

        var exitCode = await tool.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.Zero, tool.Stderr);
        Assert.That(tool.Stdout.Trim(), Is.EqualTo(Version));
        Assert.That(Version, Does.Match(@"^\d+\.\d+\.\d+"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task InstalledTool_ServeEcho_EchoesAClientsMessage(CancellationToken cancellationToken)
    {
        await using var serve = CliProcess.StartProgram(ToolCommand, ToolEnvironment(), "serve", "--port", "0", "--echo");
        var line = await serve.ReadLineAsync(cancellationToken);
        Assert.That(line, Does.StartWith("listening on "), serve.Stderr);

        await using (var client = await WebSocketConnection.ConnectAsync(new Uri(line!["listening on ".Length..]), cancellationToken: cancellationToken))
        {
            await client.SendAsync("hello, installed tool", cancellationToken);
            Assert.That(await client.ReadTextsAsync(1, cancellationToken), Is.EqualTo(new[] { "hello, installed tool" }));
            await client.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        }

        await serve.SignalAsync("TERM", cancellationToken);
        Assert.That(await serve.WaitForExitAsync(cancellationToken), Is.Zero, serve.Stderr);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task ConsumerProject_RestoresRxSocketsFromTheFolder_AndEchoes(CancellationToken cancellationToken)
    {
        // A copy outside the repository: nothing of the repository's build set-up applies, as for a user's project.
        var consumer = Directory.CreateDirectory(Path.Combine(_root, "consumer")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(FindRepository(), "tests", "PackageConsumer")))
        {
            File.Copy(file, Path.Combine(consumer, Path.GetFileName(file)));
        }

        // The folder beside the machine's own sources (nuget.org or the mirror it is configured with); the machine's
        // package cache serves the dependencies (System.Reactive, ...) without downloading them again.
        await File.WriteAllTextAsync(Path.Combine(consumer, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="rxsockets-packed" value="{_packages}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine-cache" value="{MachinePackageCache()}" />
              </fallbackPackageFolders>
            </configuration>
            """, cancellationToken);

        await RunDotnetAsync(consumer, cancellationToken, "build", "PackageConsumer.csproj", $"-p:RxSocketsVersion={Version}",
            "--disable-build-servers", "-v", "q");
        var (exitCode, output) = await RunAsync(DotnetHost, consumer, cancellationToken,
            Path.Combine(consumer, "bin", "Debug", "net10.0", "PackageConsumer.dll"));

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("echo: hello from the package"));
        var restored = Path.Combine(_nugetCache, "rxsockets", Version, ".nupkg.metadata");
        Assert.That(File.Exists(restored), $"RxSockets {Version} was not restored into the private cache");
        Assert.That(await File.ReadAllTextAsync(restored, cancellationToken), Does.Contain(Path.GetFileName(_packages)),
            "RxSockets came from another source than the packed folder");
    }

    private string ToolCommand => Path.Combine(_toolPath, OperatingSystem.IsWindows() ? "rxsockets.exe" : "rxsockets");

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>The installed tool's launcher finds the runtime through DOTNET_ROOT when dotnet is not where it looks.</summary>
    private static Dictionary<string, string> ToolEnvironment() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && Path.GetDirectoryName(host) is { } root
            ? new() { ["DOTNET_ROOT"] = root }
            : [];

    private static string MachinePackageCache() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string ReadEntry(ZipArchive package, string name)
    {
        using var reader = new StreamReader(package.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RxSockets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no RxSockets.sln above {AppContext.BaseDirectory}");
    }

    private async Task RunDotnetAsync(string workingDirectory, CancellationToken cancellationToken, params string[] args)
    {
        var (exitCode, output) = await RunAsync(DotnetHost, workingDirectory, cancellationToken, args);
        if (exitCode != 0)
        {
            Assert.Fail($"dotnet {string.Join(' ', args)} exited {exitCode}:\n{output}");
        }
    }

    /// <summary>Runs a command to its end; returns its exit code and its stdout and stderr together.</summary>
    private async Task<(int ExitCode, string Output)> RunAsync(string fileName, string workingDirectory, CancellationToken cancellationToken,
        params string[] args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The test host's MSBuild and VSTest variables would point the child build at this run's build instead.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["NUGET_PACKAGES"] = _nugetCache;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
            output.Append(await stdout).Append(await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, output.ToString());
    }
}
