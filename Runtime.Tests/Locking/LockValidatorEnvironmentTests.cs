using System.Reflection;
using System.Runtime.Loader;

namespace Toolstack.Runtime.Tests.Locking;

/// <summary>
/// <see cref="LockValidator.EnvironmentVariable"/> is read once, when the validator's type is
/// initialised. Each case loads a fresh copy of the runtime assembly into a collectible
/// <see cref="AssemblyLoadContext"/>, whose <see cref="LockValidator"/> is initialised anew
/// under the variable's value: what a new process would see, without starting one.
/// </summary>
[Collection(NonParallelCollection.Name)]
public sealed class LockValidatorEnvironmentTests : IDisposable
{
    private readonly string? _saved = Environment.GetEnvironmentVariable(LockValidator.EnvironmentVariable);

    public LockValidatorEnvironmentTests()
    {
        // This process's validator has read the variable before any test changes it.
        _ = LockValidator.IsEnabled;
    }

    public void Dispose() => Environment.SetEnvironmentVariable(LockValidator.EnvironmentVariable, _saved);

    [Theory]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("TRUE")]
    [InlineData("yes")]
    [InlineData("on")]
    public void IsEnabled_VariableSwitchesItOn_IsTrueAtStartUp(string value)
    {
        Assert.True(IsEnabledInFreshCopy(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("false")]
    [InlineData("off")]
    [InlineData("2")]
    public void IsEnabled_VariableUnsetOrNotOn_IsFalseAtStartUp(string? value)
    {
        Assert.False(IsEnabledInFreshCopy(value));
    }

    [Fact]
    public void Lock_VariableSetToOne_OutOfOrderAcquisitionThrowsLockOrderException()
    {
        WithFreshCopy("1", runtime =>
        {
            object driver = Create(runtime, "Toolstack.Runtime.DriverLock");
            object domain = Create(runtime, "Toolstack.Runtime.DomainLock", "vm1");
            var domainHandle = (IDisposable)Invoke(domain, "Lock")!;
            try
            {
                var e = Assert.Throws<TargetInvocationException>(() => Invoke(driver, "Lock"));
                Assert.Equal("Toolstack.Runtime.LockOrderException", e.InnerException?.GetType().FullName);
            }
            finally
            {
                domainHandle.Dispose();
            }
        });
    }

    [Fact]
    public void Lock_VariableUnset_OutOfOrderAcquisitionIsNotChecked()
    {
        WithFreshCopy(null, runtime =>
        {
            object driver = Create(runtime, "Toolstack.Runtime.DriverLock");
            object domain = Create(runtime, "Toolstack.Runtime.DomainLock", "vm1");
            using var domainHandle = (IDisposable)Invoke(domain, "Lock")!;
            using var driverHandle = (IDisposable)Invoke(driver, "Lock")!;
        });
    }

    [Fact]
    public void IsEnabled_VariableChangedAfterStartUp_IsNotReread()
    {
        WithFreshCopy("1", runtime =>
        {
            // The first use initialises the validator, which reads the variable then.
            Assert.True(ReadIsEnabled(runtime));

            Environment.SetEnvironmentVariable(LockValidator.EnvironmentVariable, "0");

            Assert.True(ReadIsEnabled(runtime));
        });
    }

    private static bool IsEnabledInFreshCopy(string? value)
    {
        bool enabled = false;
        WithFreshCopy(value, runtime => enabled = ReadIsEnabled(runtime));
        return enabled;
    }

    private static void WithFreshCopy(string? value, Action<Assembly> test)
    {
        Environment.SetEnvironmentVariable(LockValidator.EnvironmentVariable, value);
        var context = new AssemblyLoadContext($"validator-env-{value}", isCollectible: true);
        try
        {
            Assembly runtime = context.LoadFromAssemblyPath(typeof(LockValidator).Assembly.Location);
            Assert.NotSame(typeof(LockValidator).Assembly, runtime);
            test(runtime);
        }
        finally
        {
            context.Unload();
        }
    }

    private static bool ReadIsEnabled(Assembly runtime)
    {
        Type validator = runtime.GetType("Toolstack.Runtime.LockValidator", throwOnError: true)!;
        return (bool)validator.GetProperty(nameof(LockValidator.IsEnabled))!.GetValue(null)!;
    }

    private static object Create(Assembly runtime, string typeName, params object[] arguments) =>
        Activator.CreateInstance(runtime.GetType(typeName, throwOnError: true)!, arguments)!;

    private static object? Invoke(object target, string method) =>
        target.GetType().GetMethod(method, Type.EmptyTypes)!.Invoke(target, null);
}
