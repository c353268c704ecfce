namespace RxSockets.Cli.Tests.Support;

/// <summary>Starts <c>rxsockets serve --port 0 ...</c> and waits for its "listening on" line.</summary>
public static class CliServe
{
    public static async Task<(CliProcess Process, Uri Url)> StartAsync(CancellationToken cancellationToken, params string[] mode)
    {
        var process = CliProcess.Start(["serve", "--port", "0", .. mode]);
        var line = await process.ReadLineAsync(cancellationToken);
        if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
        {
            await process.DisposeAsync();
            throw new InvalidOperationException($"serve printed '{line}' instead of 'listening on'. stderr: {process.Stderr}");
        }

        return (process, new Uri(line["listening on ".Length..]));
    }
}
