using System.Diagnostics.CodeAnalysis;

namespace RxSockets.Json;

/// <summary>The outcome of parsing one message as JSON: a value, or an error that keeps the raw message.</summary>
/// <typeparam name="T">The expected type.</typeparam>
/// <remarks>Immutable and safe to share between threads.</remarks>
public readonly struct JsonResult<T>
{
    private readonly T? _value;

    /// <summary>Creates a successful result.</summary>
    /// <param name="value">The value.</param>
    public JsonResult(T value)
    {
        _value = value;
    }

    /// <summary>Creates a failed result.</summary>
    /// <param name="error">Why the message could not be parsed.</param>
    public JsonResult(JsonMessageError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>True when the message held a valid <typeparamref name="T"/>.</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>Why the message could not be parsed; null on success.</summary>
    public JsonMessageError? Error { get; }

    /// <summary>The parsed value.</summary>
    /// <exception cref="InvalidOperationException">The message was not valid; see <see cref="Error"/>.</exception>
    public T Value => IsSuccess
        ? _value!   // Success always carries a non-null value (see the constructors).
        : throw new InvalidOperationException($"The message is not a valid {typeof(T).Name}: {Error.Exception.Message}", Error.Exception);

    /// <summary>Gets the value when there is one.</summary>
    /// <param name="value">The value on success; default otherwise.</param>
    /// <returns>True on success.</returns>
    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = _value;
        return IsSuccess;
    }

    /// <summary>"Success: …" or "Error: …", for logs.</summary>
    public override string ToString() => IsSuccess ? $"Success: {_value}" : $"Error: {Error.Exception.Message}";
}
