namespace RxSockets.Hosting;

/// <summary>The names registered with <c>AddRxSocketsClient</c>, in registration order: the factory refuses others, and
/// the hosted service starts those whose options say so.</summary>
internal sealed class ClientNames
{
    private readonly List<string> _names = [];

    public IReadOnlyList<string> All => _names;

    public bool Contains(string name) => _names.Contains(name, StringComparer.Ordinal);

    public void Add(string name)
    {
        if (!Contains(name))
        {
            _names.Add(name);
        }
    }
}
