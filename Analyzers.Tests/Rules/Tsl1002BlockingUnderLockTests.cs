using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1002: something that may sleep or wait, while a lock that forbids blocking (the driver lock)
/// is held on every path. Reported at the blocking call; the additional location is where the
/// lock was taken.
/// </summary>
public class Tsl1002BlockingUnderLockTests
{
    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task SleepUnderDriverLock_InsideUsing_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {|#0:Thread.Sleep(100)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepUnderDriverLock_UsingStatement_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    using ({|#1:_driver.Lock()|})
                    {
                        {|#0:Thread.Sleep(100)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepUnderDriverLock_TryFinally_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    LockHandle driver = {|#1:_driver.Lock()|};
                    try
                    {
                        {|#0:Thread.Sleep(100)|};
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Theory]
    [InlineData("{|#0:Thread.Sleep(100)|};", "Thread.Sleep")]
    [InlineData("{|#0:task.Wait()|};", "Task.Wait")]
    [InlineData("_ = {|#0:task.Result|};", "Task.Result")]
    [InlineData("_ = {|#0:task.GetAwaiter().GetResult()|};", "TaskAwaiter.GetResult")]
    [InlineData("_ = {|#0:task.ConfigureAwait(false).GetAwaiter().GetResult()|};", "ConfiguredTaskAwaiter.GetResult")]
    [InlineData("{|#0:gate.Wait()|};", "SemaphoreSlim.Wait")]
    [InlineData("_ = {|#0:Monitor.Wait(monitor)|};", "Monitor.Wait")]
    [InlineData("_ = {|#0:File.ReadAllText(path)|};", "File.ReadAllText")]
    [InlineData("{|#0:process.WaitForExit()|};", "Process.WaitForExit")]
    [InlineData("{|#0:worker.Join()|};", "Thread.Join")]
    public async Task StandardBlockingApi_UnderDriverLock_Reports(string statement, string name)
    {
        await VerifyCS.VerifyAnalyzerAsync($$"""
            using System.Diagnostics;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(Task<int> task, SemaphoreSlim gate, object monitor, string path, Process process, Thread worker)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {{statement}}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments(name, "DriverLock '_driver'"));
    }

    [Fact]
    public async Task JsonLockUnderDriverLock_IsBlockingNotOrder_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly DriverLock _driver = new();

                void Save(JsonLock json)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    using var config = {|#0:json.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("JsonLock.Lock", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SecondJsonLockUnderDriverLock_SecondIsOrderOnly()
    {
        // The first JsonLock.Lock blocks under the driver lock; the second is also out of order,
        // which is TSL1001 and not TSL1002 as well.
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly DriverLock _driver = new();

                void Copy(JsonLock from, JsonLock to)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    using var source = {|#0:from.Lock()|};
                    using var target = {|#2:to.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("JsonLock.Lock", "DriverLock '_driver'"),
            VerifyCS.Diagnostic("TSL1001").WithLocation(2).WithLocation(0)
                .WithArguments("JsonLock 'to'", "JsonLock 'from'", "two locks of level 400 may not be nested"));
    }

    [Fact]
    public async Task LocalFunctionThatSleeps_CalledUnderDriverLock_ReportsChain()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {|#0:Work()|};

                    static void Work() => {|#2:Thread.Sleep(10)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1).WithLocation(2)
                .WithArguments("Work → Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task HelperChainThatSleeps_CalledUnderDriverLock_ReportsChain()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {|#0:Outer()|};
                }

                void Outer()
                {
                    Middle();
                }

                void Middle()
                {
                    {|#2:Thread.Sleep(10)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1).WithLocation(2)
                .WithArguments("Outer → Middle → Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task HelperTakingJsonLock_CalledUnderDriverLock_ReportsChain()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Hotplug
            {
                private readonly DriverLock _driver = new();

                void Run(JsonLock json)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {|#0:SaveConfig(json)|};
                }

                static void SaveConfig(JsonLock json)
                {
                    using var config = {|#2:json.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1).WithLocation(2)
                .WithArguments("SaveConfig → JsonLock.Lock", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task ConstructorThatSleeps_CalledUnderDriverLock_ReportsChain()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            sealed class Probe
            {
                public Probe() => {|#2:Thread.Sleep(10)|};
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();

                object Run()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    return {|#0:new Probe()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1).WithLocation(2)
                .WithArguments("new Probe → Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepUnderDriverLock_InAsyncMethodBeforeAwait_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                async Task RunAsync()
                {
                    using (LockHandle driver = {|#1:_driver.Lock()|})
                    {
                        {|#0:Thread.Sleep(10)|};
                    }

                    await Task.Delay(10);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepUnderDriverLock_ForLoopWithContinue_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Poll(int rounds)
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        using var driver = {|#1:_driver.Lock()|};
                        if (i % 2 == 0)
                        {
                            continue;
                        }

                        {|#0:Thread.Sleep(i)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepAfterWhileLoopWithBreak_StillUnderDriverLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Drain(int[] queue)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    int i = 0;
                    while (true)
                    {
                        if (i >= queue.Length || queue[i] < 0)
                        {
                            break;
                        }

                        i++;
                    }

                    {|#0:Thread.Sleep(i)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepUnderDriverLock_InSwitchCase_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Apply(int mode)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    switch (mode)
                    {
                        case 0:
                            break;
                        case 1:
                            {|#0:Thread.Sleep(1)|};
                            break;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepInCatchHandler_UnderDriverLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(Action refresh)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    try
                    {
                        refresh();
                    }
                    catch (InvalidOperationException)
                    {
                        {|#0:Thread.Sleep(100)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepBeforeReleaseThroughHandleCopy_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    LockHandle driver = {|#1:_driver.Lock()|};
                    LockHandle same = driver;
                    try
                    {
                        {|#0:Thread.Sleep(1)|};
                    }
                    finally
                    {
                        same.Dispose();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepUnderDriverLock_TakenThroughLocalCopyOfTheLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    DriverLock same = _driver;
                    using var driver = {|#1:same.Lock()|};
                    {|#0:Thread.Sleep(1)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task SleepAfterEarlyReturnBranch_StillUnderDriverLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool quick)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    if (quick)
                    {
                        return;
                    }

                    {|#0:Thread.Sleep(1)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task LambdaTakingDriverLockAndSleeping_ReportsInsideLambda()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Start()
                {
                    _ = Task.Run(() =>
                    {
                        using var driver = {|#1:_driver.Lock()|};
                        {|#0:Thread.Sleep(1)|};
                    });
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task UserLockThatForbidsBlocking_Sleep_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            [LockLevel(250, ForbidsBlocking = true)]
            sealed class PoolLock : HierarchicalLock
            {
                public PoolLock() : base("pool") { }

                [AcquiresLock(typeof(PoolLock))]
                public LockHandle Lock() => CompleteAcquire(BeginAcquire());

                [ReleasesLock(typeof(PoolLock))]
                public void Unlock(LockHandle handle) => Release(handle);

                protected override void ReleaseCore(LockHandle handle) { }
            }

            class Daemon
            {
                private readonly PoolLock _pool = new();

                void Resize()
                {
                    using var pool = {|#1:_pool.Lock()|};
                    {|#0:Thread.Sleep(1)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "PoolLock '_pool'"));
    }

    [Fact]
    public async Task BlockingAttributeMember_UnderDriverLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            sealed class Disk
            {
                [Blocking]
                public void Sync() { }
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(Disk disk)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {|#0:disk.Sync()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Sync", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task RequiresDriverLockMethod_SleepInBody_Reports()
    {
        // Held on entry: the additional location is the method's name.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                [RequiresLock(typeof(DriverLock), Lock = nameof(_driver))]
                void {|#1:Refresh|}()
                {
                    {|#0:Thread.Sleep(1)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task AdditionalFileBlockingApi_UnderDriverLock_Reports()
    {
        var test = new VerifyCS.Test
        {
            TestCode = """
                using Toolstack.Runtime;

                namespace MyCompany
                {
                    sealed class Disk
                    {
                        public void Flush() { }
                        public void Trim() { }
                    }

                    class Daemon
                    {
                        private readonly DriverLock _driver = new();

                        void Run(Disk disk)
                        {
                            using var driver = {|#1:_driver.Lock()|};
                            disk.Trim();
                            {|#0:disk.Flush()|};
                        }
                    }
                }
                """,
        };
        test.TestState.AdditionalFiles.Add(("ToolstackBlockingApis.txt", """
            # Members of our storage layer that wait on the disk.

            MyCompany.Disk.Flush
            """));
        test.ExpectedDiagnostics.Add(VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
            .WithArguments("Flush", "DriverLock '_driver'"));
        await test.RunAsync();
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task BlockingAcquisitionOutOfOrder_UnderDriverLock_IsOrderOnly()
    {
        // A [Blocking] acquisition that is also out of order: one mistake, one diagnostic (TSL1001).
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            [LockLevel(150)]
            sealed class HostLock : HierarchicalLock
            {
                public HostLock() : base("host") { }

                [Blocking]
                [AcquiresLock(typeof(HostLock))]
                public LockHandle Lock() => CompleteAcquire(BeginAcquire());

                [ReleasesLock(typeof(HostLock))]
                public void Unlock(LockHandle handle) => Release(handle);

                protected override void ReleaseCore(LockHandle handle) { }
            }

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly HostLock _host = new();

                void Run()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    using var host = {|#0:_host.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("HostLock '_host'", "DriverLock '_driver'", "HostLock (level 150) must be taken before DriverLock (level 200)"));
    }

    [Fact]
    public async Task SleepAfterRelease_TryFinally_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Run()
                {
                    LockHandle driver = _driver.Lock();
                    try
                    {
                        _generation++;
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }

                    Thread.Sleep(100);
                }
            }
            """);
    }

    [Fact]
    public async Task SleepAfterUsingStatement_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    using (_driver.Lock())
                    {
                    }

                    Thread.Sleep(100);
                }
            }
            """);
    }

    [Fact]
    public async Task TaskRunLambdaCreatedUnderDriverLock_IsSilent()
    {
        // Creating the lambda does not run it: nothing sleeps under the lock.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                Task Run()
                {
                    using var driver = _driver.Lock();
                    return Task.Run(() => Thread.Sleep(1));
                }
            }
            """);
    }

    [Fact]
    public async Task SleepUnderDomainLock_IsSilent()
    {
        // Only locks declared ForbidsBlocking forbid sleeping.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DomainLock _vm1 = new("vm1");

                void Run()
                {
                    using var vm = _vm1.Lock();
                    Thread.Sleep(100);
                }
            }
            """);
    }

    [Fact]
    public async Task SleepWhenDriverLockTakenInOneBranchOnly_ReportsWhenTrue()
    {
        // Issue 11: held on the feasible paths where 'exclusive' is true — a real bug, named by its condition.
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool exclusive)
                {
                    LockHandle driver = null;
                    if (exclusive)
                    {
                        driver = {|#1:_driver.Lock()|};
                    }

                    {|#0:Thread.Sleep(1)|};
                    driver?.Dispose();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("Thread.Sleep", "DriverLock '_driver' (when 'exclusive' is true)"));
    }

    [Fact]
    public async Task SleepAfterEarlyReturnInsideUsing_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool quick)
                {
                    using (_driver.Lock())
                    {
                        if (quick)
                        {
                            return;
                        }
                    }

                    Thread.Sleep(1);
                }
            }
            """);
    }

    [Fact]
    public async Task SleepAfterThrowingTryReleasedInFinally_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run(bool broken)
                {
                    LockHandle driver = _driver.Lock();
                    try
                    {
                        if (broken)
                        {
                            throw new InvalidOperationException("broken");
                        }
                    }
                    finally
                    {
                        _driver.Unlock(driver);
                    }

                    Thread.Sleep(1);
                }
            }
            """);
    }

    [Fact]
    public async Task SleepAfterReleaseThroughHandleCopy_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Run()
                {
                    LockHandle driver = _driver.Lock();
                    LockHandle same = driver;
                    same.Dispose();
                    Thread.Sleep(1);
                }
            }
            """);
    }

    [Fact]
    public async Task SleepInLoopAfterPerIterationRelease_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _ticks;

                void Poll(string[] names)
                {
                    foreach (string name in names)
                    {
                        using (_driver.Lock())
                        {
                            if (name.Length == 0)
                            {
                                continue;
                            }

                            _ticks++;
                        }

                        Thread.Sleep(10);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task HandleParameterOrFieldOfUnknownOrigin_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private LockHandle _held;

                void Run(LockHandle handle)
                {
                    Thread.Sleep(1);
                    handle.Dispose();
                }

                void Finish()
                {
                    Thread.Sleep(1);
                    _held.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task SleepingHelpers_CalledOutsideDriverLock_AreSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _generation;

                void Run()
                {
                    using (_driver.Lock())
                    {
                        Bump();
                    }

                    Outer();
                    Work();

                    void Work() => Thread.Sleep(1);
                }

                void Bump() => _generation++;

                void Outer() => Middle();

                void Middle() => Thread.Sleep(1);
            }
            """);
    }

    [Fact]
    public async Task AwaitUnderDriverLock_IsTsl1007NotTsl1002()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                async Task RunAsync()
                {
                    using var driver = {|#1:_driver.Lock()|};
                    {|#0:await Task.Delay(10)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DriverLock '_driver'"));
    }

    [Fact]
    public async Task LookAlikeDriverLockInAnotherNamespace_IsIgnored()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using Toolstack.Runtime;

            namespace Elsewhere
            {
                sealed class DriverLock
                {
                    public IDisposable Lock() => null;
                }

                class Daemon
                {
                    private readonly DriverLock _driver = new();

                    void Run()
                    {
                        using (_driver.Lock())
                        {
                            Thread.Sleep(1000);
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task AdditionalFileBlockingApi_UnlistedMemberOrOutsideLock_IsSilent()
    {
        var test = new VerifyCS.Test
        {
            TestCode = """
                using Toolstack.Runtime;

                namespace MyCompany
                {
                    sealed class Disk
                    {
                        public void Flush() { }
                        public void Trim() { }
                    }

                    class Daemon
                    {
                        private readonly DriverLock _driver = new();

                        void Run(Disk disk)
                        {
                            using (_driver.Lock())
                            {
                                disk.Trim();
                            }

                            disk.Flush();
                        }
                    }
                }
                """,
        };
        test.TestState.AdditionalFiles.Add(("ToolstackBlockingApis.txt", """
            # MyCompany.Disk.Trim is deliberately commented out:
            # MyCompany.Disk.Trim
            MyCompany.Disk.Flush
            """));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("gate.Release();")]
    [InlineData("_ = task.IsCompleted;")]
    [InlineData("Monitor.Pulse(monitor);")]
    [InlineData("_ = Task.Run(() => Thread.Sleep(1));")]
    [InlineData("_ = Interlocked.Increment(ref _count);")]
    public async Task NonBlockingCall_UnderDriverLock_IsSilent(string statement)
    {
        await VerifyCS.VerifyAnalyzerAsync($$"""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private int _count;

                void Run(Task<int> task, SemaphoreSlim gate, object monitor)
                {
                    using var driver = _driver.Lock();
                    {{statement}}
                }
            }
            """);
    }
}
