using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1011: libxl's hot-plug invariant. An add to the primary config (QEMU) needs a describe in the
/// JSON config since the slow lock was last acquired; a removal from the JSON config needs a
/// removal from the primary config since then. Reported at the call, the acquisition as the
/// additional location.
/// </summary>
public class Tsl1011HotplugInvariantTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        """;

    private const string AddMessage = "adds to the primary config";
    private const string Undescribed = "the JSON config was not made to describe it";

    private static Task Verify(string source, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
        VerifyCS.VerifyAnalyzerAsync(Usings + source, expected);

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Add(string call, string lockName) =>
        VerifyCS.Diagnostic("TSL1011").WithLocation(0).WithLocation(1).WithArguments(call, AddMessage, Undescribed, lockName);

    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task AddBeforeDescribe_Reports()
    {
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, JsonLock jsonLock, QmpClient qmp, DomainConfig config)
                {
                    await using LockHandle slow = await {|#1:slowLock.LockAsync()|};
                    await {|#0:qmp.DeviceAddAsync("ide-cd", "cd1")|};
                    using (LockHandle json = jsonLock.Lock())
                    {
                        DomainConfigFile.Write(json, config);
                    }
                }
            }
            """,
            Add("QmpClient.DeviceAddAsync", "QmpLock 'slowLock'"));
    }

    [Fact]
    public async Task LockRetakenBetweenDescribeAndAdd_Reports()
    {
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, JsonLock jsonLock, QmpClient qmp, DomainConfig config)
                {
                    await using (LockHandle first = await slowLock.LockAsync())
                    {
                        using LockHandle json = jsonLock.Lock();
                        DomainConfigFile.Write(json, config);
                    }

                    await using LockHandle second = await {|#1:slowLock.LockAsync()|};
                    await {|#0:qmp.BlockdevAddAsync(new { driver = "null-co", node_name = "n0" })|};
                }
            }
            """,
            Add("QmpClient.BlockdevAddAsync", "QmpLock 'slowLock'"));
    }

    [Fact]
    public async Task DescribedOnOneBranchOnly_Reports()
    {
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, JsonLock jsonLock, QmpClient qmp, DomainConfig config, bool record)
                {
                    await using LockHandle slow = await {|#1:slowLock.LockAsync()|};
                    if (record)
                    {
                        using LockHandle json = jsonLock.Lock();
                        DomainConfigFile.Write(json, config);
                    }

                    await {|#0:qmp.DeviceAddAsync("ide-cd", "cd1")|};
                }
            }
            """,
            Add("QmpClient.DeviceAddAsync", "QmpLock 'slowLock'"));
    }

    [Fact]
    public async Task UnannotatedHelperAddsUnderCallersLock_Reports()
    {
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, QmpClient qmp)
                {
                    await using LockHandle slow = await {|#1:slowLock.LockAsync()|};
                    await {|#0:AttachAsync(qmp)|};
                }

                private static async Task AttachAsync(QmpClient qmp)
                {
                    await qmp.DeviceAddAsync("ide-cd", "cd1");
                }
            }
            """,
            Add("AttachAsync", "QmpLock 'slowLock'"));
    }

    [Fact]
    public async Task UserWrapperMarkedAdds_Reports()
    {
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, Nic nic)
                {
                    await using LockHandle slow = await {|#1:slowLock.LockAsync()|};
                    await {|#0:nic.PlugAsync()|};
                }
            }

            class Nic
            {
                [AddsToPrimaryConfig]
                public Task PlugAsync() => Task.CompletedTask;
            }
            """,
            Add("PlugAsync", "QmpLock 'slowLock'"));
    }

    [Fact]
    public async Task ForgetInJsonBeforeEject_Reports()
    {
        await Verify("""
            class Hotplug
            {
                async Task Eject(QmpLock slowLock, QmpClient qmp, Records records)
                {
                    await using LockHandle slow = await {|#1:slowLock.LockAsync()|};
                    {|#0:records.Forget("cd0")|};
                    await qmp.EjectAsync("cd0");
                }
            }

            class Records
            {
                [RemovesFromJsonConfig]
                public void Forget(string device) { }
            }
            """,
            VerifyCS.Diagnostic("TSL1011").WithLocation(0).WithLocation(1).WithArguments(
                "Forget", "removes from the JSON config", "nothing was removed from the primary config", "QmpLock 'slowLock'"));
    }

    [Fact]
    public async Task NamedLockTypeRetaken_Reports()
    {
        await Verify("""
            [LockLevel(LockLevels.Qmp - 1, IsSlow = true)]
            sealed class DeviceLock
            {
                [AcquiresLock(typeof(DeviceLock))]
                public LockHandle Lock() => throw new NotImplementedException();
            }

            class Hotplug
            {
                void Insert(DeviceLock deviceLock, Bus bus)
                {
                    using (LockHandle first = deviceLock.Lock())
                    {
                        bus.Record();
                    }

                    using LockHandle second = {|#1:deviceLock.Lock()|};
                    {|#0:bus.Plug()|};
                }
            }

            class Bus
            {
                [DescribesInJsonConfig(typeof(DeviceLock))]
                public void Record() { }

                [AddsToPrimaryConfig(typeof(DeviceLock))]
                public void Plug() { }
            }
            """,
            Add("Plug", "DeviceLock 'deviceLock'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task DescribeThenAdd_DoesNotReport()
    {
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, JsonLock jsonLock, QmpClient qmp, DomainConfig config)
                {
                    await using LockHandle slow = await slowLock.LockAsync();
                    using (LockHandle json = jsonLock.Lock())
                    {
                        DomainConfigFile.Write(json, config);
                    }

                    await qmp.DeviceAddAsync("ide-cd", "cd1");
                    await qmp.BlockdevChangeMediumAsync("cd1", "/dev/fdset/1");
                }
            }
            """);
    }

    [Fact]
    public async Task HelperDescribesThenAdds_DoesNotReport()
    {
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, JsonLock jsonLock, QmpClient qmp, DomainConfig config)
                {
                    await using LockHandle slow = await slowLock.LockAsync();
                    await AttachAsync(jsonLock, qmp, config);
                }

                private static async Task AttachAsync(JsonLock jsonLock, QmpClient qmp, DomainConfig config)
                {
                    Record(jsonLock, config);
                    await qmp.DeviceAddAsync("ide-cd", "cd1");
                }

                private static void Record(JsonLock jsonLock, DomainConfig config)
                {
                    using LockHandle json = jsonLock.Lock();
                    DomainConfigFile.Write(json, config);
                }
            }
            """);
    }

    [Fact]
    public async Task HelperWhoseOnlyCallIsADescribe_DoesNotReport()
    {
        // The relevance pre-scan must keep a helper that touches no lock but calls a role member.
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, QmpClient qmp, Records records)
                {
                    await using LockHandle slow = await slowLock.LockAsync();
                    Record(records);
                    await qmp.DeviceAddAsync("ide-cd", "cd1");
                }

                private static void Record(Records records) => records.Describe("cd1");
            }

            class Records
            {
                [DescribesInJsonConfig]
                public void Describe(string device) { }
            }
            """);
    }

    [Fact]
    public async Task CallerDescribesThenRequiresLockHelperAdds_DoesNotReport()
    {
        await Verify("""
            class Hotplug
            {
                async Task Insert(QmpLock slowLock, JsonLock jsonLock, QmpClient qmp, DomainConfig config)
                {
                    await using LockHandle slow = await slowLock.LockAsync();
                    using (LockHandle json = jsonLock.Lock())
                    {
                        DomainConfigFile.Write(json, config);
                    }

                    await AttachAsync(slowLock, qmp);
                }

                [RequiresLock(typeof(QmpLock), Lock = "slowLock")]
                private static async Task AttachAsync(QmpLock slowLock, QmpClient qmp)
                {
                    await qmp.DeviceAddAsync("ide-cd", "cd1");
                }
            }
            """);
    }

    [Fact]
    public async Task EjectThenForget_DoesNotReport()
    {
        await Verify("""
            class Hotplug
            {
                async Task Eject(QmpLock slowLock, QmpClient qmp, Records records)
                {
                    await using LockHandle slow = await slowLock.LockAsync();
                    await qmp.EjectAsync("cd0");
                    records.Forget("cd0");
                }
            }

            class Records
            {
                [RemovesFromJsonConfig]
                public void Forget(string device) { }
            }
            """);
    }

    [Fact]
    public async Task AddWithNoLockHeld_DoesNotReport()
    {
        // No lock, no claim: whether a lock is needed at all is the caller's (TSL1008's) business.
        await Verify("""
            class Probe
            {
                async Task Plug(QmpClient qmp)
                {
                    await qmp.DeviceAddAsync("ide-cd", "cd1");
                }
            }
            """);
    }

    [Fact]
    public async Task DescribeInLoopBeforeEachAdd_DoesNotReport()
    {
        await Verify("""
            class Hotplug
            {
                async Task InsertAll(QmpLock slowLock, JsonLock jsonLock, QmpClient qmp, DomainConfig config, string[] ids)
                {
                    foreach (string id in ids)
                    {
                        await using LockHandle slow = await slowLock.LockAsync();
                        using (LockHandle json = jsonLock.Lock())
                        {
                            DomainConfigFile.Write(json, config);
                        }

                        await qmp.DeviceAddAsync("ide-cd", id);
                    }
                }
            }
            """);
    }
}
