using RxSockets.Cli.Tests.Support;

namespace RxSockets.Cli.Tests;

public class EchoClientCommandTests
{
    [Test, CancelAfter(30_000)]
    public async Task EchoClient_ServerSendsThenClosesNormally_EchoesEverythingAndExitsZero(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        Message[] sent = [Message.Text("one"), Message.Binary(new byte[] { 9, 8, 7 }), Message.Text("three")];
        await using var cli = CliProcess.Start("echo-client", server.Url.ToString());
        var echoes = new List<Message>();

        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            foreach (var message in sent)
            {
                await connection.SendAsync(message, cancellationToken);
            }

            await foreach (var echo in connection.ReadAllAsync(cancellationToken))
            {
                echoes.Add(echo);
                if (echoes.Count == sent.Length)
                {
                    break;
                }
            }

            await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
            break;
        }

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(echoes, Is.EqualTo(sent));
        Assert.That(cli.Stderr, Does.Contain("closed 1000 done"));
        Assert.That(exitCode, Is.Zero);
    }

    [Test, CancelAfter(30_000)]
    public async Task EchoClient_ServerClosesWithPolicyViolation_ExitsNonZero(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var cli = CliProcess.Start("echo-client", server.Url.ToString());

        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            await connection.CloseAsync(CloseCode.PolicyViolation, "", cancellationToken);
            break;
        }

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1));
    }
}
