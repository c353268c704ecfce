using System.Globalization;

namespace RxSockets.Cli;

/// <summary>
/// A small, strict reader of one command's arguments: options are <c>--name value</c>, <c>--name=value</c> or a short
/// alias such as <c>-H value</c>; anything else is a positional argument. Unknown options are the caller's to reject
/// with <see cref="Unknown"/>.
/// </summary>
internal sealed class ArgumentReader(string command, IReadOnlyList<string> args)
{
    private int _next;
    private string? _inlineValue;
    private string _current = "";

    /// <summary>Moves to the next argument.</summary>
    /// <param name="token">The option name (without any <c>=value</c>) or the positional argument.</param>
    /// <returns>False when all arguments were read.</returns>
    public bool TryRead(out string token)
    {
        if (_next >= args.Count)
        {
            token = "";
            return false;
        }

        token = args[_next++];
        _inlineValue = null;
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        if (token.StartsWith("--", StringComparison.Ordinal) && equals > 2)
        {
            _inlineValue = token[(equals + 1)..];
            token = token[..equals];
        }

        _current = token;
        return true;
    }

    /// <summary>True when the current argument looks like an option rather than a positional value.</summary>
    public static bool IsOption(string token) => token.Length > 1 && token[0] == '-';

    /// <summary>Reads the current option's value.</summary>
    public string Value()
    {
        if (_inlineValue is { } inline)
        {
            _inlineValue = null;
            return inline;
        }

        if (_next >= args.Count)
        {
            throw new UsageException($"option {_current} needs a value");
        }

        return args[_next++];
    }

    /// <summary>Checks that the current option, a switch, was not given a value.</summary>
    public bool Switch()
    {
        if (_inlineValue is not null)
        {
            throw new UsageException($"option {_current} takes no value");
        }

        return true;
    }

    /// <summary>Reads the current option's value as a whole number within bounds.</summary>
    public long Number(long min, long max)
    {
        var text = Value();
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"option {_current} needs a whole number from {min} to {max}, not '{text}'");
        }

        return value;
    }

    /// <summary>Reads the current option's value as a duration (see <see cref="Duration"/>).</summary>
    public TimeSpan Time(bool allowZero)
    {
        var text = Value();
        if (!Duration.TryParse(text, out var value) || (!allowZero && value == TimeSpan.Zero))
        {
            throw new UsageException($"option {_current} needs a {(allowZero ? "" : "positive ")}duration such as 500ms, 3s or 1m, not '{text}'");
        }

        return value;
    }

    /// <summary>Reads the current option's value as a positive byte size (see <see cref="ByteSize"/>).</summary>
    public long Size()
    {
        var text = Value();
        if (!ByteSize.TryParse(text, out var value))
        {
            throw new UsageException($"option {_current} needs a positive size such as 65536, 512KiB or 4MiB (at most 1TiB), not '{text}'");
        }

        return value;
    }

    /// <summary>Reads the current option's value as one of <paramref name="choices"/> (exact, lower case).</summary>
    public T Choice<T>(IReadOnlyDictionary<string, T> choices)
    {
        var text = Value();
        if (!choices.TryGetValue(text, out var value))
        {
            throw new UsageException($"option {_current} needs one of {string.Join(", ", choices.Keys)}, not '{text}'");
        }

        return value;
    }

    /// <summary>The error for an option this command does not know.</summary>
    public UsageException Unknown(string token) =>
        IsOption(token)
            ? new UsageException($"unknown option '{token}' for '{command}' (see 'rxsockets {command} --help')")
            : new UsageException($"unexpected argument '{token}' for '{command}' (see 'rxsockets {command} --help')");

    /// <summary>Parses a ws:// or wss:// URL given as the positional argument.</summary>
    public Uri Url(string? text)
    {
        if (text is null)
        {
            throw new UsageException($"'{command}' needs a URL such as ws://127.0.0.1:8080/ (see 'rxsockets {command} --help')");
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new UsageException($"'{text}' is not a ws:// or wss:// URL");
        }

        return uri;
    }
}
