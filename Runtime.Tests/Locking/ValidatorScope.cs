namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// Base of the test classes that switch <see cref="LockValidator.IsEnabled"/>: sets it for each
/// test and restores the previous value afterwards. Every derived class must be in
/// <see cref="NonParallelCollection"/>, since the switch is process-wide.
/// </summary>
public abstract class ValidatorScope : IDisposable
{
    private readonly bool _wasEnabled;

    protected ValidatorScope(bool enabled)
    {
        _wasEnabled = LockValidator.IsEnabled;
        LockValidator.IsEnabled = enabled;
    }

    public void Dispose()
    {
        LockValidator.IsEnabled = _wasEnabled;
        GC.SuppressFinalize(this);
    }
}
