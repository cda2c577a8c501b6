using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Rules;
using Toolstack.Analyzers.Tests.Flow;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>What the analyzer hands the code fixes in <see cref="Diagnostic.Properties"/> (keys in <see cref="FixProperties"/>).</summary>
public class FixPropertiesTests
{
    private const string Source = """
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        sealed class Qmp
        {
            [RequiresUnlocked]
            public Task StopAsync() => Task.CompletedTask;
        }

        class Daemon
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm");
            private readonly DomainLock _other = new("other");
            private readonly Qmp _qmp = new();

            void SleepUnderDriver()
            {
                LockHandle driver = _driver.Lock();
                using var vm = _vm.Lock();
                Thread.Sleep(1);
                _driver.Unlock(driver);
            }

            async Task QmpUnderDomain()
            {
                using (LockHandle vm = _vm.Lock())
                {
                    await _qmp.StopAsync();
                }
            }

            void OutOfOrder()
            {
                using var vm = _vm.Lock();
                using var driver = _driver.Lock();
            }

            void WrongIssuer()
            {
                LockHandle vm;
                vm = _vm.Lock();
                try { } finally { _other.Unlock(vm); }
            }

            int Leak(int n)
            {
                LockHandle vm = _vm.Lock();
                if (n > 0)
                {
                    return n;
                }

                _vm.Unlock(vm);
                return 0;
            }

            async Task SlowUnderJson(JsonLock json, QmpLock qmp)
            {
                using var config = json.Lock();
                await using LockHandle slow = await qmp.LockAsync();
            }

            async Task TwoSlowLocks(QmpLock first, QmpLock second)
            {
                await using LockHandle a = await first.LockAsync();
                await using LockHandle b = await second.LockAsync();
            }

            void Twice()
            {
                LockHandle vm = _vm.Lock();
                try { } finally { _vm.Unlock(vm); }
                _vm.Unlock(vm);
            }
        }
        """;

    private static async Task<ImmutableDictionary<string, string?>> PropertiesAsync(string id, string method)
    {
        TestCompilation compilation = await TestCompilation.CreateAsync(Source);
        Diagnostic diagnostic = Assert.Single((await compilation.AnalyzeAsync()).Where(d => d.Id == id
            && d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan).AncestorsAndSelf()
                .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().First().Identifier.Text == method));
        return diagnostic.Properties;
    }

    [Fact]
    public async Task SleepUnderDriverLock_ExplicitHandle_DescribesLockAndRetakeOutOfOrder()
    {
        ImmutableDictionary<string, string?> properties = await PropertiesAsync("TSL1002", "SleepUnderDriver");
        Assert.Equal(FixProperties.SiteKinds.LocalDeclaration, properties[FixProperties.LockSite]);
        Assert.Equal("driver", properties[FixProperties.LockHandle]);
        Assert.Equal("_driver", properties[FixProperties.LockReceiver]);
        Assert.Equal("_driver", properties[FixProperties.LockPath]);
        Assert.Equal("Toolstack.Runtime.DriverLock", properties[FixProperties.LockType]);
        Assert.Equal("200", properties[FixProperties.LockLevel]);
        // The domain lock taken after the driver lock is inner to it: re-taking the driver lock would be out of order.
        Assert.Equal("false", properties[FixProperties.RetakeInOrder]);
    }

    [Fact]
    public async Task QmpCallUnderDomainLock_UsingStatement_RetakeInOrder()
    {
        ImmutableDictionary<string, string?> properties = await PropertiesAsync("TSL1004", "QmpUnderDomain");
        Assert.Equal(FixProperties.SiteKinds.UsingStatement, properties[FixProperties.LockSite]);
        Assert.Equal("vm", properties[FixProperties.LockHandle]);
        Assert.Equal("true", properties[FixProperties.RetakeInOrder]);
    }

    [Fact]
    public async Task OutOfOrderAcquisition_UsingDeclarations_DescribesBothSites()
    {
        ImmutableDictionary<string, string?> properties = await PropertiesAsync("TSL1001", "OutOfOrder");
        Assert.Equal(FixProperties.SiteKinds.UsingDeclaration, properties[FixProperties.LockSite]);
        Assert.Equal("vm", properties[FixProperties.LockHandle]);
        Assert.Equal("300", properties[FixProperties.LockLevel]);
        Assert.Equal(FixProperties.SiteKinds.UsingDeclaration, properties[FixProperties.TakenSite]);
        Assert.Equal("driver", properties[FixProperties.TakenHandle]);
        Assert.Equal("200", properties[FixProperties.TakenLevel]);
    }

    [Fact]
    public async Task OutOfOrderUnderBlockingAcquisition_HeldLockBlocksAndIsNotAwaited()
    {
        ImmutableDictionary<string, string?> properties = await PropertiesAsync("TSL1001", "SlowUnderJson");
        Assert.Equal("Toolstack.Runtime.JsonLock", properties[FixProperties.LockType]);
        Assert.Equal("true", properties[FixProperties.LockBlocks]);
        Assert.Equal("false", properties[FixProperties.LockAwaited]);
        Assert.Equal(FixProperties.SiteKinds.UsingDeclaration, properties[FixProperties.TakenSite]);
        Assert.Equal("slow", properties[FixProperties.TakenHandle]);
    }

    [Fact]
    public async Task TwoSlowLocksNested_HeldLockIsAwaited()
    {
        ImmutableDictionary<string, string?> properties = await PropertiesAsync("TSL1001", "TwoSlowLocks");
        Assert.Equal("a", properties[FixProperties.LockHandle]);
        Assert.Equal("false", properties[FixProperties.LockBlocks]);
        Assert.Equal("true", properties[FixProperties.LockAwaited]);
    }

    [Fact]
    public async Task ReleaseThroughOtherLock_Assignment_NamesIssuer()
    {
        ImmutableDictionary<string, string?> properties = await PropertiesAsync("TSL1003", "WrongIssuer");
        Assert.Equal(FixProperties.SiteKinds.Assignment, properties[FixProperties.LockSite]);
        Assert.Equal("vm", properties[FixProperties.LockHandle]);
        Assert.Equal("_vm", properties[FixProperties.LockReceiver]);
    }

    [Fact]
    public async Task LeakAtReturn_LocalDeclaration_NamesHandle()
    {
        ImmutableDictionary<string, string?> properties = await PropertiesAsync("TSL1005", "Leak");
        Assert.Equal(FixProperties.SiteKinds.LocalDeclaration, properties[FixProperties.LockSite]);
        Assert.Equal("vm", properties[FixProperties.LockHandle]);
        Assert.False(properties.ContainsKey(FixProperties.RetakeInOrder));
    }

    [Fact]
    public async Task SecondRelease_NamesReleasedLock()
    {
        ImmutableDictionary<string, string?> properties = await PropertiesAsync("TSL1006", "Twice");
        Assert.Equal("vm", properties[FixProperties.LockHandle]);
        Assert.Equal("Toolstack.Runtime.DomainLock", properties[FixProperties.LockType]);
    }
}
