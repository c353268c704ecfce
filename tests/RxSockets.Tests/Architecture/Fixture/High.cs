namespace RxSockets.Tests.Architecture.Fixture;

/// <summary>The used side of the <see cref="Low"/> fixture.</summary>
internal sealed class High
{
    public int Value { get; init; } = 1;
}

/// <summary>A base type of the <see cref="Low"/> fixture.</summary>
internal abstract class HighBase;

/// <summary>An interface of the <see cref="Low"/> fixture.</summary>
internal interface IHigh;

/// <summary>An attribute used by the <see cref="Low"/> fixture.</summary>
[AttributeUsage(AttributeTargets.All)]
internal sealed class HighMarkerAttribute : Attribute;

/// <summary>An exception caught by the <see cref="Low"/> fixture.</summary>
internal sealed class HighException : Exception;
