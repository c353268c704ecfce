using RxSockets.Transport;

namespace RxSockets.Tests.Transport;

/// <summary>The broadcast frame's pooling: counted references, its own copy of the payload, and the end of its life.</summary>
public class PreparedFrameTests
{
    [Test]
    public void Rent_FramesAnOwnCopy_NeverTheMessagesArray()
    {
        var payload = new byte[] { 1, 2, 3 };
        var frame = PreparedFrame.Rent(Message.Binary(payload), fragmentSize: 0);

        payload[0] = 9;   // the caller's array changing after the broadcast framed it

        Assert.That(frame.Bytes.ToArray(), Is.EqualTo(new byte[] { 0x82, 3, 1, 2, 3 }));
        frame.Release();
    }

    [Test]
    public void Rent_Fragmented_IsTheFramesCreateWrites()
    {
        var message = Message.Text(new string('x', 300));

        var rented = PreparedFrame.Rent(message, fragmentSize: 128);

        Assert.That(rented.Bytes.ToArray(), Is.EqualTo(PreparedFrame.Create(message, fragmentSize: 128).Bytes.ToArray()));
        Assert.That(rented.PayloadLength, Is.EqualTo(300));
        rented.Release();
    }

    [Test]
    public void Release_ByEveryHolder_ReturnsTheFrameOnceAndNotBefore()
    {
        var frame = PreparedFrame.Rent(Message.Binary(new byte[] { 7, 7 }), fragmentSize: 0);
        frame.AddReference();   // a send queue
        frame.AddReference();   // another

        frame.Release();   // the broadcaster is done
        frame.Release();   // one writer copied it
        Assert.That(frame.Bytes.ToArray(), Is.EqualTo(new byte[] { 0x82, 2, 7, 7 }), "still referenced by a queue");

        frame.Release();   // the last writer
        Assert.That(frame.Bytes.IsEmpty, Is.True, "back in the pool");
        Assert.That(frame.Release, Throws.InvalidOperationException, "a release without a reference");
    }

    [Test]
    public void Release_UnpooledFrame_DoesNothing()
    {
        var frame = PreparedFrame.Create(Message.Binary(new byte[] { 5 }), fragmentSize: 0);

        frame.Release();
        frame.Release();

        Assert.That(frame.Bytes.ToArray(), Is.EqualTo(new byte[] { 0x82, 1, 5 }));
    }
}
