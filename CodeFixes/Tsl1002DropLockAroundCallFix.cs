using System.Composition;
using Microsoft.CodeAnalysis.CodeFixes;
using Toolstack.Analyzers;

namespace Toolstack.CodeFixes;

/// <summary>
/// TSL1002: drop the driver lock around the blocking call (libvirt's "drop driver lock around
/// sleep"). A handle in an assignable local: <c>_driver.Unlock(d);</c> before the statement and
/// <c>d = _driver.Lock();</c> after. A <c>using</c> scope: split in two around the statement.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(Tsl1002DropLockAroundCallFix))]
[Shared]
public sealed class Tsl1002DropLockAroundCallFix : ReleaseAroundCallFix
{
    public static readonly string EquivalenceKey = KeyFor(Descriptors.BlockingUnderLock, "DropLockAroundCall");

    public Tsl1002DropLockAroundCallFix() : base(Descriptors.BlockingUnderLock) { }

    private protected override IEnumerable<FixAction> Offer(FixContext context, ReleaseTarget target) =>
        FixAction.IfAny("Drop the lock around the blocking call", EquivalenceKey, ReleaseAroundStatement.PlanRelease(target, context));
}
