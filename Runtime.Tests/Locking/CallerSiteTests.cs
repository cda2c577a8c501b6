using System.IO;
using System.Runtime.CompilerServices;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// Issue 10: DriverLock/DomainLock name the held lock's site from the caller information the
/// compiler passes (no stack walk per acquisition), resolving the declaring type once per site.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class CallerSiteTests : ValidatorScope
{
    private readonly DriverLock _driver = new();
    private readonly DomainLock _vm1 = new("vm1");

    public CallerSiteTests() : base(enabled: true) { }

    [Fact]
    public void Lock_InALambda_NamesTheEnclosingMethodOfTheUsersTypeAndTheExactLine()
    {
        int line = 0;
        Func<LockHandle> take = () => (_vm1.Lock(), line = SourceLine.Here()).Item1;

        string heldAt = HeldAtOf(take());

        Assert.Equal(
            $"{typeof(CallerSiteTests).FullName}.{nameof(Lock_InALambda_NamesTheEnclosingMethodOfTheUsersTypeAndTheExactLine)} in {ThisFile()}:line {line}",
            heldAt);
    }

    [Fact]
    public void Lock_CalledInAPropertyGetter_BindsToTheCallerInformationOverload()
    {
        // The stack walk would name the accessor get_TakenInGetter; the compiler names the property.
        string heldAt = HeldAtOf(TakenInGetter);

        Assert.StartsWith($"{typeof(CallerSiteTests).FullName}.{nameof(TakenInGetter)} in ", heldAt, StringComparison.Ordinal);
        Assert.EndsWith($":line {_getterLine}", heldAt, StringComparison.Ordinal);
    }

    [Fact]
    public void Lock_AsMethodGroup_StillNamesTheUsersSite()
    {
        Func<LockHandle> take = _vm1.Lock;

        string heldAt = HeldAtOf(take());

        Assert.Contains(nameof(Lock_AsMethodGroup_StillNamesTheUsersSite), heldAt, StringComparison.Ordinal);
        Assert.Contains($"{nameof(CallerSiteTests)}.cs:line ", heldAt, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_TwoSitesSharingACacheSlot_EachKeepsItsOwnName()
    {
        // Same line, same file-name length: the same slot of the direct-mapped table.
        for (int round = 0; round < 3; round++)
        {
            Assert.EndsWith("/x/aaaa.cs:line 10", CallerSites.Describe("First", "/x/aaaa.cs", 10), StringComparison.Ordinal);
            Assert.EndsWith("/x/bbbb.cs:line 10", CallerSites.Describe("Second", "/x/bbbb.cs", 10), StringComparison.Ordinal);
            Assert.Contains(".First in ", CallerSites.Describe("First", "/x/aaaa.cs", 10), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Describe_SiteInsideTheRuntime_NamesTheUsersFrameInstead()
    {
        // Driver.Define takes the driver lock on its caller's behalf: the runtime's own line would
        // tell the user nothing, so the site falls back to the walk to the first user frame.
        string runtimeFile = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(ThisFile())))!,
                                          "Runtime", "Domains", "Driver.cs");

        for (int round = 0; round < 2; round++)
        {
            string described = CallerSites.Describe("Define", runtimeFile, 26);

            Assert.StartsWith($"{typeof(CallerSiteTests).FullName}.{nameof(Describe_SiteInsideTheRuntime_NamesTheUsersFrameInstead)}", described, StringComparison.Ordinal);
            Assert.DoesNotContain("Driver.cs", described, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Describe_NoCallerInformation_WalksTheStack()
    {
        string described = CallerSites.Describe("", "", 0);

        Assert.StartsWith($"{typeof(CallerSiteTests).FullName}.{nameof(Describe_NoCallerInformation_WalksTheStack)}", described, StringComparison.Ordinal);
    }

    private int _getterLine;

    private LockHandle TakenInGetter
    {
        get
        {
            (LockHandle handle, _getterLine) = (_vm1.Lock(), SourceLine.Here());
            return handle;
        }
    }

    private string HeldAtOf(LockHandle held)
    {
        try
        {
            return Assert.Throws<LockOrderException>(() => _driver.Lock()).HeldAt;
        }
        finally
        {
            _vm1.Unlock(held);
        }
    }

    private static string ThisFile([CallerFilePath] string file = "") => file;
}
