using System.Reflection;

namespace Toolstack.Runtime.Tests.Qmp;

/// <summary>The analyzer knows QMP calls only by their attribute: every one must carry it.</summary>
public sealed class QmpClientContractTests
{
    public static IEnumerable<object[]> TaskReturningMethods() =>
        typeof(QmpClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && typeof(Task).IsAssignableFrom(m.ReturnType))
            .Select(m => new object[] { m.ToString()! });

    [Theory]
    [MemberData(nameof(TaskReturningMethods))]
    public void EveryPublicQmpCall_IsRequiresUnlocked(string signature)
    {
        MethodInfo method = typeof(QmpClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Single(m => m.ToString() == signature);

        RequiresUnlockedAttribute attribute = Assert.Single(method.GetCustomAttributes<RequiresUnlockedAttribute>());
        Assert.Empty(attribute.LockTypes); // no short lock at all
    }

    [Fact]
    public void TheCallsTheDesignNames_AreAllThere()
    {
        string[] names = typeof(QmpClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && typeof(Task).IsAssignableFrom(m.ReturnType))
            .Select(m => m.Name)
            .ToArray();

        foreach (string expected in new[]
        {
            "ExecuteAsync", "QueryStatusAsync", "StopAsync", "ContAsync", "QuitAsync", "QueryVersionAsync", "QueryCommandsAsync",
            "QueryBlockAsync", "SystemResetAsync", "SystemPowerdownAsync", "EjectAsync", "BlockdevChangeMediumAsync",
            "BlockdevAddAsync", "BlockdevDelAsync", "DeviceAddAsync", "DeviceDelAsync", "GetFdAsync", "CloseFdAsync",
            "AddFdAsync", "RemoveFdAsync", "QueryFdsetsAsync", "ExecuteWithFdAsync",
        })
        {
            Assert.Contains(expected, names);
        }

        Assert.True(names.Length >= 25, $"only {names.Length} QMP calls found");
    }

    [Fact]
    public void ConnectAsync_MatchesTheDesignSignature()
    {
        MethodInfo connect = typeof(QmpClient).GetMethod(nameof(QmpClient.ConnectAsync), new[] { typeof(string), typeof(CancellationToken) })!;

        Assert.True(connect.IsStatic);
        Assert.Equal(typeof(Task<QmpClient>), connect.ReturnType);
        Assert.NotNull(connect.GetCustomAttribute<RequiresUnlockedAttribute>());
    }

    [Fact]
    public void EventWaiterWait_IsRequiresUnlocked()
    {
        MethodInfo wait = typeof(QmpEventWaiter).GetMethod(nameof(QmpEventWaiter.WaitAsync))!;

        Assert.NotNull(wait.GetCustomAttribute<RequiresUnlockedAttribute>());
    }

    [Fact]
    public void QmpExceptions_AllDeriveFromQmpException()
    {
        foreach (Type type in new[]
        {
            typeof(QmpConnectException), typeof(QmpGreetingException), typeof(QmpNegotiationException),
            typeof(QmpCommandException), typeof(QmpProtocolException), typeof(QmpDisconnectedException),
        })
        {
            Assert.True(typeof(QmpException).IsAssignableFrom(type), type.Name);
            Assert.True(type.IsSealed, type.Name);
        }
    }

    [Fact]
    public void QmpTypes_AreInTheRuntimeNamespace()
    {
        Assert.All(typeof(QmpClient).Assembly.GetExportedTypes().Where(t => t.Name.StartsWith("Qmp", StringComparison.Ordinal) && t != typeof(QmpLock)),
            t => Assert.Equal("Toolstack.Runtime", t.Namespace));
    }
}
