namespace Toolstack.Runtime.Tests.Qmp.Support;

/// <summary>A theory that needs real QEMU: skipped with a reason when it is missing, unless CI=true.</summary>
public sealed class QemuTheoryAttribute : TheoryAttribute
{
    public QemuTheoryAttribute()
    {
        if (QemuAvailability.SkipReason is string reason)
        {
            Skip = reason;
        }
    }
}
