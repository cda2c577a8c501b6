namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// The exception types: their place in the hierarchy, what they carry, and what their messages
/// say. The runtime throws them in the lock tests; here their constructors are exercised
/// directly, for every variant of the message.
/// </summary>
public sealed class LockExceptionsTests
{
    [Theory]
    [InlineData(typeof(WrongLockException))]
    [InlineData(typeof(LockNotHeldException))]
    [InlineData(typeof(LockOrderException))]
    [InlineData(typeof(DomainGoneException))]
    public void MisuseExceptions_AreSealedLockExceptions(Type type)
    {
        Assert.True(type.IsSealed);
        Assert.True(typeof(LockException).IsAssignableFrom(type));
    }

    [Fact]
    public void LockException_IsAnAbstractInvalidOperationException()
    {
        Assert.True(typeof(LockException).IsAbstract);
        Assert.True(typeof(InvalidOperationException).IsAssignableFrom(typeof(LockException)));
    }

    [Fact]
    public void LockDirectoryException_IsAnIOExceptionNotALockException()
    {
        Assert.True(typeof(IOException).IsAssignableFrom(typeof(LockDirectoryException)));
        Assert.False(typeof(LockException).IsAssignableFrom(typeof(LockDirectoryException)));
    }

    [Fact]
    public void WrongLockException_NamesIssuerAndReleaser()
    {
        var issuer = new DomainLock("vm1");
        var releaser = new DriverLock();

        var e = new WrongLockException(issuer, releaser);

        Assert.Same(issuer, e.Issuer);
        Assert.Same(releaser, e.Releaser);
        Assert.Equal(
            "A handle of DomainLock 'vm1' cannot be released through DriverLock 'driver': " +
            "release it through DomainLock 'vm1', which issued it.",
            e.Message);
    }

    [Fact]
    public void LockNotHeldException_NamesTheLock()
    {
        var owner = new DriverLock();

        var e = new LockNotHeldException(owner);

        Assert.Same(owner, e.Lock);
        Assert.Equal("The handle of DriverLock 'driver' was already released; a handle is released exactly once.", e.Message);
    }

    [Fact]
    public void LockOrderException_OuterLevelAfterInner_SaysWhichLevelComesFirst()
    {
        var driver = new DriverLock();
        var domain = new DomainLock("vm1");

        var e = new LockOrderException(driver, domain, "Some.Method in F.cs:line 7");

        Assert.Same(driver, e.Acquiring);
        Assert.Same(domain, e.Held);
        Assert.Equal("Some.Method in F.cs:line 7", e.HeldAt);
        Assert.Equal(
            "Acquiring DriverLock 'driver' while holding DomainLock 'vm1' violates the lock hierarchy " +
            "(level 200 must be taken before level 300); DomainLock 'vm1' was taken at Some.Method in F.cs:line 7.",
            e.Message);
    }

    [Fact]
    public void LockOrderException_SameLevel_SaysTwoLocksNested()
    {
        var e = new LockOrderException(new DomainLock("vm2"), new DomainLock("vm1"), "here");

        Assert.Contains("Acquiring DomainLock 'vm2' while holding DomainLock 'vm1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("(two locks of level 300 nested)", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("DomainLock 'vm1' was taken at here.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LockOrderException_SameInstance_SaysSameLockTwice()
    {
        var driver = new DriverLock();

        var e = new LockOrderException(driver, driver, "here");

        Assert.Contains("(the same lock twice)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LockOrderException_SameNameDifferentInstances_IsNotTheSameLock()
    {
        var e = new LockOrderException(new DomainLock("vm1"), new DomainLock("vm1"), "here");

        Assert.Contains("(two locks of level 300 nested)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DomainGoneException_NamesTheDomain()
    {
        var e = new DomainGoneException("42");

        Assert.Equal("42", e.DomainId);
        Assert.Contains("Domain '42' does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LockDirectoryException_WithErrno_AppendsIt()
    {
        var e = new LockDirectoryException("/run/xen", "cannot open lock file", "EACCES");

        Assert.Equal("/run/xen", e.Directory);
        Assert.Equal("EACCES", e.Errno);
        Assert.Equal("cannot open lock file (EACCES)", e.Message);
    }

    [Fact]
    public void LockDirectoryException_WithoutErrno_IsJustTheMessage()
    {
        var e = new LockDirectoryException("/run/xen", "not a directory");

        Assert.Null(e.Errno);
        Assert.Equal("not a directory", e.Message);
    }

    [Fact]
    public void WrongLockException_TwoInstancesWithOneName_SaysAnotherInstance()
    {
        var first = new DomainLock("vm1");
        var second = new DomainLock("vm1");
        LockHandle handle = first.Lock();
        try
        {
            var error = Assert.Throws<WrongLockException>(() => second.Unlock(handle));

            Assert.Contains("through another instance of DomainLock 'vm1'", error.Message);
        }
        finally
        {
            first.Unlock(handle);
        }
    }
}
