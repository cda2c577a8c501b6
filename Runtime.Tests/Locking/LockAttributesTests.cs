using System.Reflection;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// The hierarchy and the per-member contracts are declared with attributes, which the analyzer
/// reads by metadata: these pin what the lock types declare and what the attributes carry.
/// </summary>
public sealed class LockAttributesTests
{
    [Theory]
    [InlineData(typeof(QmpLock), 100, true, false)]
    [InlineData(typeof(DriverLock), 200, false, true)]
    [InlineData(typeof(DomainLock), 300, false, false)]
    [InlineData(typeof(JsonLock), 400, false, false)]
    public void LockLevel_OnEachLockType_DeclaresItsPlace(Type lockType, int level, bool isSlow, bool forbidsBlocking)
    {
        LockLevelAttribute declaration = Assert.Single(lockType.GetCustomAttributes<LockLevelAttribute>(inherit: false));

        Assert.Equal(level, declaration.Level);
        Assert.Equal(isSlow, declaration.IsSlow);
        Assert.Equal(forbidsBlocking, declaration.ForbidsBlocking);
    }

    [Fact]
    public void LockLevels_AreOrderedOutermostFirst()
    {
        Assert.Equal(100, LockLevels.Qmp);
        Assert.Equal(200, LockLevels.Driver);
        Assert.Equal(300, LockLevels.Domain);
        Assert.Equal(400, LockLevels.Json);
    }

    [Fact]
    public void LockLevelAttribute_Defaults_ShortAndMayBlock()
    {
        var declaration = new LockLevelAttribute(250);

        Assert.Equal(250, declaration.Level);
        Assert.False(declaration.IsSlow);
        Assert.False(declaration.ForbidsBlocking);
    }

    [Theory]
    [InlineData(typeof(DriverLock), nameof(DriverLock.Lock))]
    [InlineData(typeof(DomainLock), nameof(DomainLock.Lock))]
    [InlineData(typeof(JsonLock), nameof(JsonLock.Lock))]
    [InlineData(typeof(QmpLock), nameof(QmpLock.LockAsync))]
    public void AcquiringMember_DeclaresAcquiresLockOfItsOwnType(Type lockType, string member)
    {
        // DriverLock and DomainLock have two overloads (issue 10: one with caller information,
        // which calls bind to, and Lock() for method groups); each must declare the acquisition.
        MethodInfo[] methods = lockType.GetMethods().Where(m => m.Name == member).ToArray();
        Assert.NotEmpty(methods);
        foreach (MethodInfo method in methods)
        {
            AcquiresLockAttribute acquires = Assert.Single(method.GetCustomAttributes<AcquiresLockAttribute>());
            Assert.Equal(lockType, acquires.LockType);
            Assert.Null(acquires.Lock);
        }
    }

    [Theory]
    [InlineData(typeof(DriverLock))]
    [InlineData(typeof(DomainLock))]
    [InlineData(typeof(JsonLock))]
    [InlineData(typeof(QmpLock))]
    public void Unlock_DeclaresReleasesLockOfItsOwnType(Type lockType)
    {
        MethodInfo unlock = lockType.GetMethod("Unlock", new[] { typeof(LockHandle) })!;
        Assert.NotNull(unlock);

        ReleasesLockAttribute releases = Assert.Single(unlock.GetCustomAttributes<ReleasesLockAttribute>());
        Assert.Equal(lockType, releases.LockType);
        Assert.Null(releases.Lock);
    }

    [Fact]
    public void JsonLockLock_IsBlocking()
    {
        MethodInfo lockMethod = typeof(JsonLock).GetMethod(nameof(JsonLock.Lock), Type.EmptyTypes)!;

        Assert.NotNull(lockMethod.GetCustomAttribute<BlockingAttribute>());
    }

    [Fact]
    public void DriverAndDomainLockMembers_AreNotBlocking()
    {
        // Taking the domain lock under the driver lock is the normal order: it must not count as
        // a blocking call (TSL1002).
        foreach (MethodInfo method in typeof(DomainLock).GetMethods().Concat(typeof(DriverLock).GetMethods())
                     .Where(m => m.Name == nameof(DriverLock.Lock)))
        {
            Assert.Null(method.GetCustomAttribute<BlockingAttribute>());
        }
    }

    [Theory]
    [InlineData(nameof(LockHandle.Dispose))]
    [InlineData(nameof(LockHandle.DisposeAsync))]
    public void LockHandleDisposal_DeclaresReleasesLockOfTheReceiver(string member)
    {
        MethodInfo method = typeof(LockHandle).GetMethod(member, Type.EmptyTypes)!;

        ReleasesLockAttribute releases = Assert.Single(method.GetCustomAttributes<ReleasesLockAttribute>());
        Assert.Null(releases.LockType);
        Assert.Null(releases.Lock);
    }

    [Fact]
    public void LockHandle_ImplementsBothDisposables()
    {
        Assert.True(typeof(IDisposable).IsAssignableFrom(typeof(LockHandle)));
        Assert.True(typeof(IAsyncDisposable).IsAssignableFrom(typeof(LockHandle)));
        Assert.True(typeof(LockHandle).IsSealed);
    }

    [Fact]
    public void RequiresUnlocked_WithoutTypes_HasEmptyLockTypes()
    {
        var attribute = new RequiresUnlockedAttribute();

        Assert.NotNull(attribute.LockTypes);
        Assert.Empty(attribute.LockTypes);
    }

    [Fact]
    public void RequiresUnlocked_WithTypes_KeepsThemInOrder()
    {
        var attribute = new RequiresUnlockedAttribute(typeof(DriverLock), typeof(QmpLock));

        Assert.Equal(new[] { typeof(DriverLock), typeof(QmpLock) }, attribute.LockTypes);
    }

    [Fact]
    public void RequiresUnlocked_NullArray_HasEmptyLockTypes()
    {
        var attribute = new RequiresUnlockedAttribute(null!);

        Assert.NotNull(attribute.LockTypes);
        Assert.Empty(attribute.LockTypes);
    }

    [Fact]
    public void RequiresUnlocked_AsDeclaredOnAMember_IsReadBack()
    {
        MethodInfo any = typeof(AnnotatedWrapper).GetMethod(nameof(AnnotatedWrapper.CallQmp))!;
        MethodInfo named = typeof(AnnotatedWrapper).GetMethod(nameof(AnnotatedWrapper.CallWithoutDriver))!;

        Assert.Empty(any.GetCustomAttribute<RequiresUnlockedAttribute>()!.LockTypes);
        Assert.Equal(new[] { typeof(DriverLock) }, named.GetCustomAttribute<RequiresUnlockedAttribute>()!.LockTypes);
    }

    [Fact]
    public void RequiresLock_KeepsTypeAndOptionalInstance()
    {
        var anyDomain = new RequiresLockAttribute(typeof(DomainLock));
        var named = new RequiresLockAttribute(typeof(DomainLock)) { Lock = "domain" };

        Assert.Equal(typeof(DomainLock), anyDomain.LockType);
        Assert.Null(anyDomain.Lock);
        Assert.Equal(typeof(DomainLock), named.LockType);
        Assert.Equal("domain", named.Lock);
    }

    [Fact]
    public void AcquiresLock_KeepsTypeAndOptionalInstance()
    {
        var receiver = new AcquiresLockAttribute(typeof(DomainLock));
        var named = new AcquiresLockAttribute(typeof(DomainLock)) { Lock = "_domain" };

        Assert.Equal(typeof(DomainLock), receiver.LockType);
        Assert.Null(receiver.Lock);
        Assert.Equal("_domain", named.Lock);
    }

    [Fact]
    public void ReleasesLock_KeepsTypeAndOptionalInstance()
    {
        var handle = new ReleasesLockAttribute();
        var named = new ReleasesLockAttribute(typeof(DomainLock)) { Lock = "_domain" };

        Assert.Null(handle.LockType);
        Assert.Null(handle.Lock);
        Assert.Equal(typeof(DomainLock), named.LockType);
        Assert.Equal("_domain", named.Lock);
    }

    [Fact]
    public void WrapperAnnotations_AsDeclaredOnMembers_AreReadBack()
    {
        MethodInfo enter = typeof(AnnotatedWrapper).GetMethod(nameof(AnnotatedWrapper.EnterMonitor))!;
        MethodInfo exit = typeof(AnnotatedWrapper).GetMethod(nameof(AnnotatedWrapper.ExitMonitor))!;

        RequiresLockAttribute requires = Assert.Single(enter.GetCustomAttributes<RequiresLockAttribute>());
        Assert.Equal(typeof(DomainLock), requires.LockType);
        Assert.Equal("_domain", requires.Lock);
        ReleasesLockAttribute releases = Assert.Single(enter.GetCustomAttributes<ReleasesLockAttribute>());
        Assert.Equal(typeof(DomainLock), releases.LockType);
        Assert.Equal("_domain", releases.Lock);
        AcquiresLockAttribute acquires = Assert.Single(exit.GetCustomAttributes<AcquiresLockAttribute>());
        Assert.Equal(typeof(DomainLock), acquires.LockType);
        Assert.Equal("_domain", acquires.Lock);
        Assert.NotNull(typeof(AnnotatedWrapper).GetMethod(nameof(AnnotatedWrapper.Sleep))!.GetCustomAttribute<BlockingAttribute>());
    }

    [Theory]
    [InlineData(typeof(LockLevelAttribute), AttributeTargets.Class | AttributeTargets.Field | AttributeTargets.Property, false, false)]
    [InlineData(typeof(RequiresUnlockedAttribute), AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, true, false)]
    [InlineData(typeof(BlockingAttribute), AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, true, false)]
    [InlineData(typeof(RequiresLockAttribute), AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, true, true)]
    [InlineData(typeof(AcquiresLockAttribute), AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, true, true)]
    [InlineData(typeof(ReleasesLockAttribute), AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, true, true)]
    public void AttributeUsage_IsAsDocumented(Type attribute, AttributeTargets targets, bool inherited, bool allowMultiple)
    {
        AttributeUsageAttribute usage = attribute.GetCustomAttribute<AttributeUsageAttribute>()!;

        Assert.Equal(targets, usage.ValidOn);
        Assert.Equal(inherited, usage.Inherited);
        Assert.Equal(allowMultiple, usage.AllowMultiple);
        Assert.True(attribute.IsSealed);
    }

    [Fact]
    public void UserLockType_LevelBetweenDriverAndDomain_IsReadFromItsDeclaration()
    {
        var user = new UserLock("pool");

        Assert.Equal(250, user.Level);
        Assert.True(user.ForbidsBlocking);
        Assert.False(user.IsSlow);
        Assert.Equal("UserLock 'pool'", user.ToString());
    }

    [Fact]
    public void UserLockType_WithoutLockLevel_ThrowsInvalidOperationExceptionNamingIt()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new UndeclaredLock());

        Assert.Contains(nameof(UndeclaredLock), e.Message, StringComparison.Ordinal);
        Assert.Contains("[LockLevel]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GuardedBy_ByMemberName_KeepsTheNameAndNoType()
    {
        var guarded = new GuardedByAttribute("_gate");

        Assert.Equal("_gate", guarded.LockMember);
        Assert.Null(guarded.LockType);
    }

    [Fact]
    public void GuardedBy_ByLockType_KeepsTheTypeAndNoName()
    {
        var guarded = new GuardedByAttribute(typeof(DriverLock));

        Assert.Equal(typeof(DriverLock), guarded.LockType);
        Assert.Null(guarded.LockMember);
    }

    [Fact]
    public void GuardedBy_UsageIsFieldsAndPropertiesOnce()
    {
        AttributeUsageAttribute usage = typeof(GuardedByAttribute).GetCustomAttribute<AttributeUsageAttribute>()!;

        Assert.Equal(AttributeTargets.Field | AttributeTargets.Property, usage.ValidOn);
        Assert.False(usage.AllowMultiple);
        Assert.True(typeof(GuardedByAttribute).IsSealed);
    }

    [Theory]
    [InlineData("_state")]
    [InlineData("_monitor")]
    public void DomainStateFields_AreGuardedByTheStateLock(string field)
    {
        FieldInfo info = typeof(Domain).GetField(field, BindingFlags.Instance | BindingFlags.NonPublic)!;

        GuardedByAttribute guarded = Assert.Single(info.GetCustomAttributes<GuardedByAttribute>());
        Assert.Equal(nameof(Domain.StateLock), guarded.LockMember);
    }

    /// <summary>How a user annotates wrappers: the shapes the attributes are documented for.</summary>
    private sealed class AnnotatedWrapper
    {
        [RequiresUnlocked]
        public void CallQmp()
        {
        }

        [RequiresUnlocked(typeof(DriverLock))]
        public void CallWithoutDriver()
        {
        }

        [RequiresLock(typeof(DomainLock), Lock = "_domain")]
        [ReleasesLock(typeof(DomainLock), Lock = "_domain")]
        public void EnterMonitor()
        {
        }

        [AcquiresLock(typeof(DomainLock), Lock = "_domain")]
        public void ExitMonitor()
        {
        }

        [Blocking]
        public void Sleep()
        {
        }
    }
}

/// <summary>A lock type that forgot its <see cref="LockLevelAttribute"/>.</summary>
internal sealed class UndeclaredLock : HierarchicalLock
{
    public UndeclaredLock() : base("undeclared") { }

    protected override void ReleaseCore(LockHandle handle) { }
}
