namespace Toolstack.Runtime.Tests.Qmp.Support;

/// <summary>A fact that needs real QEMU: skipped with a reason when it is missing, unless CI=true.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        if (QemuAvailability.SkipReason is string reason)
        {
            Skip = reason;
        }
    }
}
