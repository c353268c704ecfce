namespace RxSockets.Cli.Tests;

public class ConnectReconnectTests
{
    [Test, CancelAfter(30_000)]
    public async Task Connect_ReconnectAfterServerRestartCode_PrintsEveryMessageAndExitsZeroOn1000(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var serving = Task.Run(async () =>
        {
            var session = 0;
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                session++;
                await connection.SendAsync(session == 1 ? "1" : "3", cancellationToken);
                if (session == 1)
                {
                    await connection.SendAsync("2", cancellationToken);
                    await connection.CloseAsync(CloseCode.ServiceRestart, "restarting", cancellationToken);
                    continue;
                }

                await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
                return;
            }
        }, cancellationToken);
        await using var cli = Support.CliProcess.Start("connect", server.Url.ToString(), "--reconnect", "--reconnect-delay", "50ms",
            "--max-reconnect-attempts", "5", "--keepalive-interval", "5s", "--keepalive-timeout", "5s");

        var lines = new[] { await cli.ReadLineAsync(cancellationToken), await cli.ReadLineAsync(cancellationToken), await cli.ReadLineAsync(cancellationToken) };
        var exitCode = await cli.WaitForExitAsync(cancellationToken);
        await serving;

        Assert.That(lines, Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(cli.Stderr, Does.Contain("reconnecting in 50ms (attempt 1)"));
        Assert.That(cli.Stderr, Does.Contain("reconnected after 1 attempt(s) (fresh session"));
        Assert.That(cli.Stderr, Does.Contain("closed 1000 done"));
        Assert.That(exitCode, Is.Zero);
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_ResumeAcrossADrop_PrintsEveryMessageOnceAndReportsTheResumedSession(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Resume = new ResumeOptions() }, cancellationToken);
        var serving = Task.Run(async () =>
        {
            await foreach (var session in server.AcceptAllSessionsAsync(cancellationToken))
            {
                await session.SendAsync("1", cancellationToken);
                await session.SendAsync("2", cancellationToken);
                session.Connection?.Abort();                       // the connection drops; the session does not
                await session.SendAsync("3", cancellationToken);   // kept in the replay log until the client is back
                await session.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
                return session.ResumeCount;
            }

            return 0;
        }, cancellationToken);
        await using var cli = Support.CliProcess.Start("connect", server.Url.ToString(), "--resume", "--reconnect-delay", "20ms",
            "--max-reconnect-attempts", "20");

        var lines = new[] { await cli.ReadLineAsync(cancellationToken), await cli.ReadLineAsync(cancellationToken), await cli.ReadLineAsync(cancellationToken) };
        var exitCode = await cli.WaitForExitAsync(cancellationToken);
        var resumes = await serving;

        Assert.That(lines, Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(resumes, Is.EqualTo(1));
        Assert.That(cli.Stderr, Does.Contain("(session resumed)"));
        Assert.That(cli.Stderr, Does.Contain("closed 1000 done"));
        Assert.That(exitCode, Is.Zero);
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_ReconnectServerGone_GivesUpAfterMaxAttemptsAndExitsOne(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var accepted = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                return connection;
            }

            return null;
        }, cancellationToken);
        await using var cli = Support.CliProcess.Start("connect", server.Url.ToString(), "--reconnect", "--reconnect-delay", "10ms", "--max-reconnect-attempts", "2");
        var first = await accepted;

        await server.DisposeAsync();
        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(first, Is.Not.Null);
        Assert.That(cli.Stderr, Does.Contain("reconnect attempt 2 failed"));
        Assert.That(cli.Stderr, Does.Contain("error: gave up after 2 reconnect attempts"));
        Assert.That(exitCode, Is.EqualTo(1));
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_ReconnectDelayNotADuration_IsAUsageError(CancellationToken cancellationToken)
    {
        await using var cli = Support.CliProcess.Start("connect", "ws://127.0.0.1:1/", "--reconnect", "--reconnect-delay", "5");

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(cli.Stderr, Does.Contain("--reconnect-delay"));
        Assert.That(exitCode, Is.EqualTo(2));
    }
}
