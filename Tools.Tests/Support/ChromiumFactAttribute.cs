namespace Toolstack.Tools.Tests.Support;

/// <summary>A fact that needs headless Chromium: skipped with a reason when it is missing, unless CI=true.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (ChromiumAvailability.SkipReason is string reason)
        {
            Skip = reason;
        }
    }
}
