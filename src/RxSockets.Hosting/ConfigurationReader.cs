using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace RxSockets.Hosting;

/// <summary>
/// Reads one configuration section into options by hand, key by key, instead of the reflection binder: it stays
/// trimming- and AOT-safe, a value that does not parse fails with its full key path (<c>RxSockets:Clients:feed:Port</c>),
/// and a key it does not know (a typo such as <c>KeepAliveIntervall</c>) fails instead of being silently ignored.
/// </summary>
internal sealed class ConfigurationReader(IConfigurationSection section)
{
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);

    public void String(string key, Action<string> set)
    {
        if (Value(key) is { } value)
        {
            set(value);
        }
    }

    public void Boolean(string key, Action<bool> set) => Parse(key, set, "true or false",
        static (string text, out bool value) => bool.TryParse(text, out value));

    public void Int32(string key, Action<int> set) => Parse(key, set, "a whole number",
        static (string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value));

    public void Int64(string key, Action<long> set) => Parse(key, set, "a whole number",
        static (string text, out long value) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value));

    public void Double(string key, Action<double> set) => Parse(key, set, "a number",
        static (string text, out double value) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value));

    /// <summary>A duration as <c>hh:mm:ss[.fff]</c> (or <c>d.hh:mm:ss</c>), or <c>Infinite</c>. A bare number is refused:
    /// TimeSpan would read <c>20</c> as twenty days.</summary>
    public void Duration(string key, Action<TimeSpan> set) => Parse(key, set, "a duration (hh:mm:ss such as 00:00:20, or Infinite)",
        static (string text, out TimeSpan value) =>
        {
            if (text.Equals("Infinite", StringComparison.OrdinalIgnoreCase))
            {
                value = Timeout.InfiniteTimeSpan;
                return true;
            }

            value = default;
            return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
        });

    public void Enum<TEnum>(string key, Action<TEnum> set)
        where TEnum : struct, Enum =>
        Parse(key, set, "one of " + string.Join(", ", System.Enum.GetNames<TEnum>()),
            static (string text, out TEnum value) => System.Enum.TryParse(text, ignoreCase: true, out value)
                && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                && System.Enum.IsDefined(value));

    /// <summary>An absolute URL; http:// and https:// are taken as ws:// and wss://.</summary>
    public void Url(string key, Action<Uri> set) => Parse(key, set, "an absolute ws://, wss://, http:// or https:// URL",
        static (string text, out Uri value) =>
        {
            value = null!;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("ws" or "wss" or "http" or "https"))
            {
                return false;
            }

            value = url.Scheme is "http" or "https" ? WebSocketUrl.FromHttp(url) : url;
            return true;
        });

    /// <summary>A list: a JSON array (keys <c>Key:0</c>, <c>Key:1</c>…), appended to <paramref name="target"/>.</summary>
    public void List(string key, ICollection<string> target)
    {
        _known.Add(key);
        foreach (var item in section.GetSection(key).GetChildren())
        {
            target.Add(item.Value ?? throw Invalid(item.Path, "null", "a string"));
        }
    }

    /// <summary>A map: a JSON object of strings, added to (or replacing entries of) <paramref name="target"/>.</summary>
    public void Map(string key, IDictionary<string, string> target)
    {
        _known.Add(key);
        foreach (var item in section.GetSection(key).GetChildren())
        {
            target[item.Key] = item.Value ?? throw Invalid(item.Path, "an object", "a string");
        }
    }

    /// <summary>A nested section, read by its own reader (whose unknown keys the caller rejects).</summary>
    public ConfigurationReader Child(string key)
    {
        _known.Add(key);
        return new ConfigurationReader(section.GetSection(key));
    }

    /// <summary>Fails on the first key of the section that no reader asked for.</summary>
    /// <exception cref="InvalidOperationException">An unknown key; the message names it and lists the known ones.</exception>
    public void RejectUnknown()
    {
        foreach (var child in section.GetChildren())
        {
            if (!_known.Contains(child.Key))
            {
                throw new InvalidOperationException(
                    $"Configuration key '{child.Path}' is not an RxSockets setting (known keys of '{section.Path}': {string.Join(", ", _known.Order(StringComparer.Ordinal))}).");
            }
        }
    }

    private delegate bool TryParse<T>(string text, out T value);

    private void Parse<T>(string key, Action<T> set, string expected, TryParse<T> tryParse)
    {
        if (Value(key) is not { } text)
        {
            return;
        }

        if (!tryParse(text.Trim(), out var value))
        {
            throw Invalid($"{section.Path}:{key}", $"'{text}'", expected);
        }

        set(value);
    }

    private string? Value(string key)
    {
        _known.Add(key);
        var child = section.GetSection(key);
        if (child.Value is null && child.GetChildren().Any())
        {
            throw Invalid(child.Path, "a section", "a single value");
        }

        return child.Value;
    }

    private static InvalidOperationException Invalid(string path, string actual, string expected) =>
        new($"Configuration key '{path}' is {actual}, which is not {expected}.");
}
