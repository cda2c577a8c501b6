using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>Where a method's lock state starts to include a lock: one per acquiring operation.</summary>
internal enum AcquisitionOrigin
{
    /// <summary>A call in the method body acquires it.</summary>
    Call,

    /// <summary>The method is <c>[RequiresLock]</c>: held on entry, owned by the caller.</summary>
    Required,

    /// <summary>A handle parameter: a lock of unknown origin, never guessed at.</summary>
    Parameter,
}

internal sealed class Acquisition
{
    public Acquisition(int index, AcquisitionOrigin origin, LockKind? kind, LockPath? path, string display,
        IOperation? site, Location location, IParameterSymbol? parameter = null,
        bool viaSummary = false, bool hasHandle = false)
    {
        ViaSummary = viaSummary;
        HasHandle = hasHandle;
        Index = index;
        Origin = origin;
        Kind = kind;
        Path = path;
        Display = display;
        Site = site;
        Location = location;
        Parameter = parameter;
    }

    public int Index { get; }

    public AcquisitionOrigin Origin { get; }

    /// <summary>The lock type; null only for a handle parameter.</summary>
    public LockKind? Kind { get; }

    /// <summary>Which lock; null when the code reaches it in a way the analysis does not name.</summary>
    public LockPath? Path { get; }

    /// <summary>How diagnostics name it: <c>DriverLock '_driver'</c>.</summary>
    public string Display { get; }

    /// <summary>The acquiring operation (a call); null for locks held on entry.</summary>
    public IOperation? Site { get; }

    public Location Location { get; }

    public IParameterSymbol? Parameter { get; }

    /// <summary>Acquired by a call into a method of this compilation whose body takes the lock.</summary>
    public bool ViaSummary { get; }

    /// <summary>The acquiring call hands the caller a handle for it.</summary>
    public bool HasHandle { get; }

    public bool IsFromCall => Origin == AcquisitionOrigin.Call;
}
