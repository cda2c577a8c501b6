using System;
using System.Collections.Concurrent;
using System.Reflection;

namespace Toolstack.Runtime;

/// <summary>
/// What every lock of the hierarchy shares: a name, a level read from its
/// <see cref="LockLevelAttribute"/>, and the bookkeeping that makes misuse throw.
/// </summary>
/// <remarks>
/// Handles are checked on every release, whether or not <see cref="LockValidator"/> is on:
/// releasing through another lock throws <see cref="WrongLockException"/>, releasing twice
/// throws <see cref="LockNotHeldException"/>.
/// </remarks>
public abstract class HierarchicalLock
{
    private static readonly ConcurrentDictionary<Type, LockLevelAttribute> s_levels = new();

    private readonly LockLevelAttribute _declaration;

    private protected HierarchicalLock(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _declaration = s_levels.GetOrAdd(GetType(), ReadDeclaration);
    }

    /// <summary>The name used in diagnostics and exception messages.</summary>
    public string Name { get; }

    /// <summary>The lock's level in the hierarchy (smaller is outer), from <see cref="LockLevelAttribute"/>.</summary>
    public int Level => _declaration.Level;

    /// <summary>True for a slow lock, which may be held across <c>await</c> and QMP calls.</summary>
    public bool IsSlow => _declaration.IsSlow;

    /// <summary>True when nothing that sleeps or waits may run while it is held.</summary>
    public bool ForbidsBlocking => _declaration.ForbidsBlocking;

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name} '{Name}'";

    /// <summary>
    /// Creates the handle of an acquisition about to start. Runs in the caller's flow, before
    /// any wait, so the validator refuses a bad order before it can deadlock.
    /// </summary>
    private protected LockHandle BeginAcquire()
    {
        var handle = new LockHandle(this);
        LockValidator.OnAcquiring(handle);
        return handle;
    }

    private protected static LockHandle CompleteAcquire(LockHandle handle)
    {
        handle.MarkHeld();
        return handle;
    }

    /// <summary>The acquisition failed or was cancelled: nothing is held.</summary>
    private protected static void AbandonAcquire(LockHandle handle)
    {
        handle.MarkAbandoned();
        LockValidator.OnReleased(handle);
    }

    /// <summary>Releases <paramref name="handle"/> through this lock, checking that it may.</summary>
    private protected void Release(LockHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!ReferenceEquals(handle.Source, this))
        {
            throw new WrongLockException(handle.Source, this);
        }

        if (!handle.TryMarkReleased())
        {
            throw new LockNotHeldException(this);
        }

        Finish(handle);
    }

    internal void ReleaseByDispose(LockHandle handle)
    {
        if (handle.TryMarkReleased())
        {
            Finish(handle);
        }
    }

    /// <summary>Gives the lock up; called once per acquisition, after the handle is marked released.</summary>
    private protected abstract void ReleaseCore(LockHandle handle);

    private void Finish(LockHandle handle)
    {
        LockValidator.OnReleased(handle);
        ReleaseCore(handle);
    }

    private static LockLevelAttribute ReadDeclaration(Type type) =>
        type.GetCustomAttribute<LockLevelAttribute>(inherit: false)
        ?? throw new InvalidOperationException($"{type.Name} must be declared with [LockLevel].");
}
