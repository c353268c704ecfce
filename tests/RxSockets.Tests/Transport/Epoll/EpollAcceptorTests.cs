using System.Net;
using RxSockets.Transport.Epoll;

namespace RxSockets.Tests.Transport.Epoll;

public class EpollAcceptorTests
{
    [Test]
    public void ParseAddress_SameIPv4AsTheLastClient_SharesItsAddress()
    {
        var recent = new IPAddress([10, 0, 0, 7]);
        byte[] sockaddr = [2, 0, 0x1F, 0x90, 10, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0];

        var endPoint = EpollAcceptor.ParseAddress(sockaddr, recent);

        Assert.That(endPoint?.Address, Is.SameAs(recent));
        Assert.That(endPoint?.Port, Is.EqualTo(8080));
    }

    [Test]
    public void ParseAddress_OtherIPv4_HasItsOwnAddress()
    {
        var recent = new IPAddress([10, 0, 0, 7]);
        byte[] sockaddr = [2, 0, 0x1F, 0x90, 10, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];

        var endPoint = EpollAcceptor.ParseAddress(sockaddr, recent);

        Assert.That(endPoint?.Address, Is.EqualTo(new IPAddress([10, 0, 0, 8])));
    }

    [Test]
    public void ParseAddress_IPv6_NeverShares()
    {
        // An IPv6 address's ScopeId can be set, so each endpoint keeps its own.
        var sockaddr = new byte[28];
        sockaddr[0] = 10;
        sockaddr[23] = 1;

        var endPoint = EpollAcceptor.ParseAddress(sockaddr, IPAddress.IPv6Loopback);

        Assert.That(endPoint?.Address, Is.EqualTo(IPAddress.IPv6Loopback).And.Not.SameAs(IPAddress.IPv6Loopback));
    }
}
