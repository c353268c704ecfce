using RxSockets.Protocol.Deflate;

namespace RxSockets.Tests.Protocol.Deflate;

public class DeflateNegotiationTests
{
    [Test]
    public void BuildOffer_Defaults_AnnouncesClientWindowBitsWithoutValue()
    {
        var offer = DeflateNegotiation.BuildOffer(new PerMessageDeflateOptions().ToPreferences());

        Assert.That(offer, Is.EqualTo("permessage-deflate; client_max_window_bits"));
    }

    [Test]
    public void BuildOffer_EveryClientParameter_OffersThemAll()
    {
        var options = new PerMessageDeflateOptions { ServerNoContextTakeover = true, ClientNoContextTakeover = true, ServerMaxWindowBits = 10, ClientMaxWindowBits = 9 }.ToPreferences();

        var offer = DeflateNegotiation.BuildOffer(options);

        Assert.That(offer, Is.EqualTo(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"));
    }

    [TestCase(8)]
    [TestCase(9)]
    [TestCase(12)]
    [TestCase(14)]
    [TestCase(15)]
    public void SelectOffer_ServerWindowRequested_AcceptsAndCompressesWithIt(int bits)
    {
        var settings = DeflateNegotiation.SelectOffer($"permessage-deflate; server_max_window_bits={bits}", new PerMessageDeflateOptions().ToPreferences());

        Assert.That(settings?.Extension, Is.EqualTo($"permessage-deflate; server_max_window_bits={bits}"));
        Assert.That(settings?.CompressWindowBits, Is.EqualTo(bits));
        Assert.That(settings?.InflateWindowBits, Is.EqualTo(15));
    }

    [TestCase("permessage-deflate; server_max_window_bits=12", 10, "permessage-deflate; server_max_window_bits=10", 10)]
    [TestCase("permessage-deflate; server_max_window_bits=9", 10, "permessage-deflate; server_max_window_bits=9", 9)]
    [TestCase("permessage-deflate", 11, "permessage-deflate; server_max_window_bits=11", 11)]
    public void SelectOffer_ServerWindowConfigured_AnswersTheSmallerWindow(string offer, int configured, string expected, int compressBits)
    {
        var settings = DeflateNegotiation.SelectOffer(offer, new PerMessageDeflateOptions { ServerMaxWindowBits = configured }.ToPreferences());

        Assert.That(settings?.Extension, Is.EqualTo(expected));
        Assert.That(settings?.CompressWindowBits, Is.EqualTo(compressBits));
    }

    [TestCase("permessage-deflate; client_max_window_bits", null, 15)]
    [TestCase("permessage-deflate; client_max_window_bits", 9, 9)]
    [TestCase("permessage-deflate; client_max_window_bits=12", null, 12)]
    [TestCase("permessage-deflate; client_max_window_bits=12", 8, 8)]
    [TestCase("permessage-deflate", 8, 15)]
    public void SelectOffer_ClientWindow_InflatesWithTheWindowTheClientWillUse(string offer, int? configured, int inflateBits)
    {
        var settings = DeflateNegotiation.SelectOffer(offer, new PerMessageDeflateOptions { ClientMaxWindowBits = configured, MemoryLevel = 5 }.ToPreferences());

        Assert.That(settings?.InflateWindowBits, Is.EqualTo(inflateBits));
        Assert.That(settings?.CompressWindowBits, Is.EqualTo(15));
        Assert.That(settings?.MemoryLevel, Is.EqualTo(5));
    }

    [TestCase("permessage-deflate", "permessage-deflate")]
    [TestCase("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover")]
    [TestCase("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover")]
    [TestCase("permessage-deflate; server_max_window_bits=15", "permessage-deflate; server_max_window_bits=15")]
    [TestCase("permessage-deflate; server_max_window_bits=\"15\"", "permessage-deflate; server_max_window_bits=15")]
    [TestCase("permessage-deflate; client_max_window_bits", "permessage-deflate")]
    [TestCase("permessage-deflate; client_max_window_bits=9", "permessage-deflate")]
    [TestCase("PerMessage-Deflate; Server_No_Context_Takeover", "permessage-deflate; server_no_context_takeover")]
    public void SelectOffer_DefaultServer_AnswersWhatTheOfferRequires(string header, string expected)
    {
        var settings = DeflateNegotiation.SelectOffer(header, new PerMessageDeflateOptions().ToPreferences());

        Assert.That(settings?.Extension, Is.EqualTo(expected));
    }

    [Test]
    public void SelectOffer_ServerOptions_AnswerEveryParameter()
    {
        var options = new PerMessageDeflateOptions { ServerNoContextTakeover = true, ClientNoContextTakeover = true, ServerMaxWindowBits = 15, ClientMaxWindowBits = 10 }.ToPreferences();

        var settings = DeflateNegotiation.SelectOffer("permessage-deflate; client_max_window_bits", options);

        Assert.That(settings?.Extension, Is.EqualTo(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15; client_max_window_bits=10"));
        Assert.That(settings?.CompressNoContext, Is.True);
        Assert.That(settings?.InflateNoContext, Is.True);
    }

    [Test]
    public void SelectOffer_ClientWindowLimitedBelowOurs_AnswersTheSmallerValue()
    {
        var settings = DeflateNegotiation.SelectOffer("permessage-deflate; client_max_window_bits=9", new PerMessageDeflateOptions { ClientMaxWindowBits = 12 }.ToPreferences());

        Assert.That(settings?.Extension, Is.EqualTo("permessage-deflate; client_max_window_bits=9"));
    }

    [Test]
    public void SelectOffer_ClientWindowNotAnnounced_DoesNotAskForIt()
    {
        var settings = DeflateNegotiation.SelectOffer("permessage-deflate", new PerMessageDeflateOptions { ClientMaxWindowBits = 10 }.ToPreferences());

        Assert.That(settings?.Extension, Is.EqualTo("permessage-deflate"));
    }

    [Test]
    public void SelectOffer_ContextTakeoverDefaults_KeepsBothContexts()
    {
        var settings = DeflateNegotiation.SelectOffer("permessage-deflate", new PerMessageDeflateOptions { Threshold = 7 }.ToPreferences());

        Assert.That(settings?.CompressNoContext, Is.False);
        Assert.That(settings?.InflateNoContext, Is.False);
        Assert.That(settings?.Threshold, Is.EqualTo(7));
    }

    [Test]
    public void SelectOffer_FirstOfferAsksForSmallServerWindow_AcceptsIt()
    {
        var header = "permessage-deflate; server_max_window_bits=10; client_max_window_bits, permessage-deflate; client_no_context_takeover";

        var settings = DeflateNegotiation.SelectOffer(header, new PerMessageDeflateOptions { ClientMaxWindowBits = 11 }.ToPreferences());

        Assert.That(settings?.Extension, Is.EqualTo("permessage-deflate; server_max_window_bits=10; client_max_window_bits=11"));
        Assert.That(settings?.CompressWindowBits, Is.EqualTo(10));
        Assert.That(settings?.InflateWindowBits, Is.EqualTo(11));
    }

    [Test]
    public void SelectOffer_FirstOfferMalformed_TakesTheNext()
    {
        var header = "permessage-deflate; server_max_window_bits=7, permessage-deflate; client_no_context_takeover";

        var settings = DeflateNegotiation.SelectOffer(header, new PerMessageDeflateOptions().ToPreferences());

        Assert.That(settings?.Extension, Is.EqualTo("permessage-deflate; client_no_context_takeover"));
    }

    [Test]
    public void SelectOffer_OtherExtensionFirst_SkipsIt()
    {
        var settings = DeflateNegotiation.SelectOffer("x-webkit-deflate-frame, permessage-deflate; server_no_context_takeover", new PerMessageDeflateOptions().ToPreferences());

        Assert.That(settings?.Extension, Is.EqualTo("permessage-deflate; server_no_context_takeover"));
    }

    [TestCase("permessage-deflate; server_max_window_bits")]
    [TestCase("permessage-deflate; server_max_window_bits=0")]
    [TestCase("permessage-deflate; server_max_window_bits=+9")]
    [TestCase("permessage-deflate; server_max_window_bits=9; server_max_window_bits=10")]
    [TestCase("permessage-deflate; client_max_window_bits=7")]
    [TestCase("permessage-deflate; client_max_window_bits=08")]
    [TestCase("permessage-deflate; client_max_window_bits; client_max_window_bits=9")]
    [TestCase("permessage-deflate; server_max_window_bits=16")]
    [TestCase("permessage-deflate; server_max_window_bits=7")]
    [TestCase("permessage-deflate; server_max_window_bits=010")]
    [TestCase("permessage-deflate; client_max_window_bits=16")]
    [TestCase("permessage-deflate; client_max_window_bits=abc")]
    [TestCase("permessage-deflate; server_no_context_takeover=1")]
    [TestCase("permessage-deflate; client_no_context_takeover; client_no_context_takeover")]
    [TestCase("permessage-deflate; unknown_parameter")]
    [TestCase("x-other")]
    [TestCase("permessage-deflate;;")]
    public void SelectOffer_OnlyOfferUnacceptable_DeclinesIt(string header)
    {
        var settings = DeflateNegotiation.SelectOffer(header, new PerMessageDeflateOptions().ToPreferences());

        Assert.That(settings, Is.Null);
    }

    [TestCase(null, null)]
    [TestCase("permessage-deflate", "permessage-deflate")]
    [TestCase("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover")]
    [TestCase("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover")]
    [TestCase("permessage-deflate; server_max_window_bits=9", "permessage-deflate; server_max_window_bits=9")]
    public void TryAcceptResponse_ValidAnswerToDefaultOffer_Accepts(string? header, string? expected)
    {
        var accepted = DeflateNegotiation.TryAcceptResponse(header, new PerMessageDeflateOptions().ToPreferences(), out var settings, out var error);

        Assert.That(accepted, Is.True, error);
        Assert.That(settings?.Extension, Is.EqualTo(expected));
    }

    [Test]
    public void TryAcceptResponse_NoContextTakeoverBothWays_ResetsBothContexts()
    {
        var accepted = DeflateNegotiation.TryAcceptResponse(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover", new PerMessageDeflateOptions().ToPreferences(), out var settings, out _);

        Assert.That(accepted, Is.True);
        Assert.That(settings?.CompressNoContext, Is.True);
        Assert.That(settings?.InflateNoContext, Is.True);
    }

    [Test]
    public void TryAcceptResponse_WeAnnouncedClientNoContextTakeover_CompressWithoutContextEvenIfNotAnswered()
    {
        var accepted = DeflateNegotiation.TryAcceptResponse("permessage-deflate", new PerMessageDeflateOptions { ClientNoContextTakeover = true }.ToPreferences(), out var settings, out _);

        Assert.That(accepted, Is.True);
        Assert.That(settings?.CompressNoContext, Is.True);
        Assert.That(settings?.InflateNoContext, Is.False);
    }

    [TestCase("permessage-deflate; client_max_window_bits", "client_max_window_bits")]
    [TestCase("permessage-deflate; client_max_window_bits=7", "client_max_window_bits")]
    [TestCase("permessage-deflate; client_max_window_bits=9; client_max_window_bits=9", "client_max_window_bits")]
    [TestCase("permessage-deflate; server_max_window_bits", "server_max_window_bits")]
    [TestCase("permessage-deflate; server_max_window_bits=16", "server_max_window_bits")]
    [TestCase("permessage-deflate; foo=1", "foo")]
    [TestCase("permessage-deflate; server_no_context_takeover; server_no_context_takeover", "server_no_context_takeover")]
    [TestCase("permessage-deflate, permessage-deflate", "did not offer")]
    [TestCase("x-webkit-deflate-frame", "did not offer")]
    [TestCase("permessage-deflate; =", "not a valid extension list")]
    public void TryAcceptResponse_InvalidOrUnofferedAnswer_Refuses(string header, string reason)
    {
        var accepted = DeflateNegotiation.TryAcceptResponse(header, new PerMessageDeflateOptions().ToPreferences(), out var settings, out var error);

        Assert.That(accepted, Is.False);
        Assert.That(settings, Is.Null);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void TryAcceptResponse_RequestedServerNoContextTakeoverMissing_Refuses()
    {
        var accepted = DeflateNegotiation.TryAcceptResponse("permessage-deflate", new PerMessageDeflateOptions { ServerNoContextTakeover = true }.ToPreferences(), out _, out var error);

        Assert.That(accepted, Is.False);
        Assert.That(error, Does.Contain("server_no_context_takeover"));
    }

    [TestCase("permessage-deflate", false)]
    [TestCase("permessage-deflate; server_max_window_bits=11", false)]
    [TestCase("permessage-deflate; server_max_window_bits=10", true)]
    [TestCase("permessage-deflate; server_max_window_bits=8", true)]
    public void TryAcceptResponse_RequestedServerWindow_MustBeAnsweredWithSameOrSmaller(string header, bool expected)
    {
        var accepted = DeflateNegotiation.TryAcceptResponse(header, new PerMessageDeflateOptions { ServerMaxWindowBits = 10 }.ToPreferences(), out _, out _);

        Assert.That(accepted, Is.EqualTo(expected));
    }

    [TestCase("permessage-deflate", 15, 15)]
    [TestCase("permessage-deflate; client_max_window_bits=8", 8, 15)]
    [TestCase("permessage-deflate; client_max_window_bits=12; server_max_window_bits=9", 12, 9)]
    [TestCase("permessage-deflate; server_max_window_bits=10", 15, 10)]
    public void TryAcceptResponse_WindowsAnswered_CompressAndInflateWithThem(string header, int compressBits, int inflateBits)
    {
        var accepted = DeflateNegotiation.TryAcceptResponse(header, new PerMessageDeflateOptions { MemoryLevel = 3 }.ToPreferences(), out var settings, out var error);

        Assert.That(accepted, Is.True, error);
        Assert.That(settings?.CompressWindowBits, Is.EqualTo(compressBits));
        Assert.That(settings?.InflateWindowBits, Is.EqualTo(inflateBits));
        Assert.That(settings?.MemoryLevel, Is.EqualTo(3));
    }

    [TestCase("permessage-deflate", true, 10)]
    [TestCase("permessage-deflate; client_max_window_bits=9", true, 9)]
    [TestCase("permessage-deflate; client_max_window_bits=10", true, 10)]
    [TestCase("permessage-deflate; client_max_window_bits=11", false, 0)]
    public void TryAcceptResponse_ClientWindowAnnounced_AnswerMayOnlyLowerIt(string header, bool expected, int compressBits)
    {
        var accepted = DeflateNegotiation.TryAcceptResponse(header, new PerMessageDeflateOptions { ClientMaxWindowBits = 10 }.ToPreferences(), out var settings, out var error);

        Assert.That(accepted, Is.EqualTo(expected));
        if (expected)
        {
            Assert.That(settings?.CompressWindowBits, Is.EqualTo(compressBits));
        }
        else
        {
            Assert.That(error, Does.Contain("client_max_window_bits=11, larger than the 10 we offered"));
        }
    }
}
