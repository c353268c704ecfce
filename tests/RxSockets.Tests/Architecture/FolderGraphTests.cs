namespace RxSockets.Tests.Architecture;

/// <summary>Rule 4's cycle finder on made-up graphs: a cycle through three folders is one component, which the pair
/// check alone would not report.</summary>
public class FolderGraphTests
{
    [Test]
    public void StronglyConnected_FindsACycleThroughThreeFolders()
    {
        var components = FolderGraph.StronglyConnected([("Topics", "Resumption"), ("Resumption", "Messaging"), ("Messaging", "Topics"), ("Messaging", "Connection")]);

        Assert.That(components.Select(c => string.Join(",", c)), Is.EqualTo(new[] { "Connection", "Messaging,Resumption,Topics" }));
    }

    [Test]
    public void StronglyConnected_LayeredGraph_HasOnlySingletons()
    {
        var components = FolderGraph.StronglyConnected([("Client", "Messaging"), ("Messaging", "Topics"), ("Client", "Topics"), ("Topics", "Connection"), ("Client", "Connection")]);

        Assert.That(components, Has.All.Count.EqualTo(1));
        Assert.That(components, Has.Count.EqualTo(4));
    }

    [Test]
    public void StronglyConnected_TwoFoldersBothWays_AreOneComponent()
    {
        var components = FolderGraph.StronglyConnected([("Client", "Connection"), ("Connection", "Client")]);

        Assert.That(components.Single(), Is.EqualTo(new[] { "Client", "Connection" }));
    }
}
