using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Protocol.Frames;

public class MaskKeySourceTests
{
    [Test]
    public void Next_AcrossBatches_DrawsFreshKeys()
    {
        var source = new MaskKeySource();

        var keys = Enumerable.Range(0, 256).Select(_ => source.Next()).ToArray();

        // A batch holds 64 keys; a source that stopped refilling would repeat the first batch.
        Assert.That(keys[64..128], Is.Not.EqualTo(keys[..64]));
        Assert.That(keys[128..192], Is.Not.EqualTo(keys[..64]));
        Assert.That(keys.Distinct().Count(), Is.GreaterThan(1));
    }

    [Test]
    public void Next_TwoSources_DrawDifferentKeys()
    {
        var first = new MaskKeySource();
        var second = new MaskKeySource();

        var a = Enumerable.Range(0, 8).Select(_ => first.Next()).ToArray();
        var b = Enumerable.Range(0, 8).Select(_ => second.Next()).ToArray();

        Assert.That(a, Is.Not.EqualTo(b));
    }
}
