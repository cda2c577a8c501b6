using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Toolstack.Analyzers;

/// <summary>The rule table: every descriptor, built by one factory.</summary>
internal static class Descriptors
{
    public const string Category = "Locking";

    /// <summary>Every rule's page is <c>docs/rules/&lt;ID&gt;.md</c> in the repository.</summary>
    public const string HelpLinkBase = "https://github.com/toolstack/toolstack/blob/main/docs/rules/";

    public static readonly DiagnosticDescriptor LockOrder = Create(
        "TSL1001",
        "Lock acquired out of hierarchy order",
        "Acquiring {0} while {1} is held violates the lock hierarchy: {2}",
        "A lock may be taken only while every held lock is strictly outer to it in the hierarchy declared by [LockLevel]; two locks of one level, or the same lock twice, may not be nested.");

    public static readonly DiagnosticDescriptor BlockingUnderLock = Create(
        "TSL1002",
        "Blocking while holding a lock that forbids it",
        "'{0}' may sleep while {1} is held",
        "Nothing that sleeps or waits may run while a lock declared with ForbidsBlocking (the driver lock) is held: one stuck domain would stall every API call.");

    public static readonly DiagnosticDescriptor WrongLockRelease = Create(
        "TSL1003",
        "Lock released through another lock",
        "The handle of {0} is released through {1}",
        "A handle must be released through the lock that issued it; releasing it through another lock type or instance leaves the real lock held.");

    public static readonly DiagnosticDescriptor RequiresUnlocked = Create(
        "TSL1004",
        "Call requiring no lock made with a lock held",
        "'{0}' must not be called while {1} is held",
        "Members marked [RequiresUnlocked], every QMP call among them, may wait on QEMU for seconds: no short lock may be held across them.");

    public static readonly DiagnosticDescriptor LeakedLock = Create(
        "TSL1005",
        "Lock not released on some path",
        "{0} is not released on every path out of '{1}' ({2})",
        "Every lock a method takes must be released before it returns, unless its handle is returned to the caller or stored.");

    public static readonly DiagnosticDescriptor DoubleRelease = Create(
        "TSL1006",
        "Lock released twice or when not held",
        "{0} is released here although it is no longer held",
        "A handle is released exactly once; a second release is a bug the runtime answers with LockNotHeldException.");

    public static readonly DiagnosticDescriptor AwaitUnderLock = Create(
        "TSL1007",
        "Await while holding a short lock",
        "'await' while {0} is held",
        "A short lock may not be held across 'await': the continuation may run much later, on another thread, while every other caller waits.");

    public static readonly DiagnosticDescriptor MissingRequiredLock = Create(
        "TSL1008",
        "Call requires a lock that is not held",
        "'{0}' requires {1} to be held",
        "Members marked [RequiresLock] read or change state that the named lock guards; call them only while holding it.");

    public static readonly DiagnosticDescriptor ReleaseNotOnThrow = Create(
        "TSL1009",
        "Lock released on the normal path only",
        "{0} is released only on the normal path: '{1}' may throw and leave it held; use 'using' or try/finally",
        "A release that is not in a finally block is skipped when anything between the acquisition and the release throws.");

    public static readonly DiagnosticDescriptor GuardedAccess = Create(
        "TSL1010",
        "Guarded member touched without its lock",
        "'{0}' is guarded by {1}, which is not held here",
        "A field or property marked [GuardedBy] may be read or written only while its lock is held on every path; a lambda or local function must take the lock itself.");

    public static readonly DiagnosticDescriptor HotplugInvariant = Create(
        "TSL1011",
        "Hot-plug step not covered by a continuously held lock",
        "'{0}' {1}, but {2} since {3} was last acquired",
        "libxl's invariant: add a thing to the primary config (QEMU) only while holding its lock continuously since the JSON config was made to describe it; remove a thing from the JSON config only while holding that lock continuously since it was removed from the primary config.");

    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        LockOrder, BlockingUnderLock, WrongLockRelease, RequiresUnlocked, LeakedLock,
        DoubleRelease, AwaitUnderLock, MissingRequiredLock, ReleaseNotOnThrow,
        GuardedAccess, HotplugInvariant);

    private static DiagnosticDescriptor Create(string id, string title, string message, string description) =>
        new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
            description, HelpLinkBase + id + ".md");
}
