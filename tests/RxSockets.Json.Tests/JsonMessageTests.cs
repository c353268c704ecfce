using System.Text;
using RxSockets.Json.Tests.Support;

namespace RxSockets.Json.Tests;

public class JsonMessageTests
{
    [Test]
    public void Serialize_Record_ProducesTextMessageWithUtf8Json()
    {
        var tick = new Tick("ACME", 12.5m);

        var message = JsonMessage.Serialize(tick, TestJsonContext.Default.Tick);

        Assert.That(message.Type, Is.EqualTo(MessageType.Text));
        Assert.That(message.GetText(), Is.EqualTo("""{"symbol":"ACME","price":12.5}"""));
    }

    [Test]
    public void Deserialize_ValidText_ReturnsValue()
    {
        var message = Message.Text("""{"symbol":"ACME","price":3}""");

        var result = JsonMessage.Deserialize(message, TestJsonContext.Default.Tick);

        Assert.That(result.IsSuccess, Is.True);
        Assert.That(result.Value, Is.EqualTo(new Tick("ACME", 3m)));
    }

    [Test]
    public void Deserialize_BinaryUtf8Json_IsAcceptedLikeText()
    {
        var message = Message.Binary(Encoding.UTF8.GetBytes("""{"symbol":"ÉTÉ","price":1}"""));

        var result = JsonMessage.Deserialize(message, TestJsonContext.Default.Tick);

        Assert.That(result.Value, Is.EqualTo(new Tick("ÉTÉ", 1m)));
    }

    [Test]
    public void Deserialize_InvalidJson_ReturnsErrorWithRawText()
    {
        var message = Message.Text("{not json");

        var result = JsonMessage.Deserialize(message, TestJsonContext.Default.Tick);

        Assert.That(result.IsSuccess, Is.False);
        Assert.That(result.Error?.RawText, Is.EqualTo("{not json"));
        Assert.That(result.Error?.TargetType, Is.EqualTo(typeof(Tick)));
        Assert.Throws<InvalidOperationException>(() => _ = result.Value);
    }

    [Test]
    public void Deserialize_JsonNull_ReturnsError()
    {
        var result = JsonMessage.Deserialize(Message.Text("null"), TestJsonContext.Default.Tick);

        Assert.That(result.TryGetValue(out _), Is.False);
        Assert.That(result.Error?.RawText, Is.EqualTo("null"));
    }

    [Test]
    public void Deserialize_ReflectionOverload_ReadsWithOptions()
    {
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);

        var result = JsonMessage.Deserialize<Tick>(Message.Text("""{"symbol":"X","price":2}"""), options);

        Assert.That(result.Value, Is.EqualTo(new Tick("X", 2m)));
    }
}
