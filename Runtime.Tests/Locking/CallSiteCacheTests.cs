namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// The validator resolves a call site's file and line once and then reuses it (issue 10): reused
/// names must still be exact — each site its own line, however often it is passed.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class CallSiteCacheTests : ValidatorScope
{
    private readonly DriverLock _driver = new();
    private readonly DomainLock _vm1 = new("vm1");

    public CallSiteCacheTests() : base(enabled: true) { }

    [Fact]
    public void HeldAt_SameSitePassedRepeatedly_NamesItsLineEveryTime()
    {
        for (int round = 0; round < 3; round++)
        {
            Assert.EndsWith($"{nameof(CallSiteCacheTests)}.cs:line {TakeAtOneSite(out int line)}", HeldAtWhenViolated(), StringComparison.Ordinal);
            Assert.True(line > 0);
        }
    }

    [Fact]
    public void HeldAt_TwoSitesInOneMethod_EachNamesItsOwnLine()
    {
        for (int round = 0; round < 2; round++)
        {
            (LockHandle first, int firstLine) = (_vm1.Lock(), SourceLine.Here());
            string firstAt = ViolateWhileHeld(first);
            (LockHandle second, int secondLine) = (_vm1.Lock(), SourceLine.Here());
            string secondAt = ViolateWhileHeld(second);

            Assert.EndsWith($":line {firstLine}", firstAt, StringComparison.Ordinal);
            Assert.EndsWith($":line {secondLine}", secondAt, StringComparison.Ordinal);
            Assert.NotEqual(firstLine, secondLine);
        }
    }

    private int TakeAtOneSite(out int line)
    {
        (_held, line) = (_vm1.Lock(), SourceLine.Here());
        return line;
    }

    private LockHandle? _held;

    private string HeldAtWhenViolated() => ViolateWhileHeld(_held!);

    private string ViolateWhileHeld(LockHandle held)
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
}
