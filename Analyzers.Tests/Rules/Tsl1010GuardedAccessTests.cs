using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// TSL1010: a <c>[GuardedBy]</c> field or property touched where its lock is not held on every
/// path. Reported at the access, with no additional location. By member name the lock is the same
/// object's; by type any lock of that type. Constructors are exempt; lambdas and local functions
/// must take the lock themselves (Error Prone's rule).
/// </summary>
public class Tsl1010GuardedAccessTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        """;

    private static Task Verify(string source, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
        VerifyCS.VerifyAnalyzerAsync(Usings + source, expected);

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Guarded(string member, string lockName) =>
        VerifyCS.Diagnostic("TSL1010").WithLocation(0).WithArguments(member, lockName);

    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task GuardedFieldRead_NoLockHeld_Reports()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                int Read() => {|#0:_state|};
            }
            """,
            Guarded("_state", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task GuardedFieldWrite_AfterRelease_Reports()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                void Write()
                {
                    using (_lock.Lock())
                    {
                        _state = 1;
                    }

                    {|#0:_state|} = 2;
                }
            }
            """,
            Guarded("_state", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task GuardedFieldIncrement_LockHeldOnOneBranchOnly_Reports()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _generation;

                void Bump(bool take)
                {
                    LockHandle? h = null;
                    if (take)
                    {
                        h = _lock.Lock();
                    }

                    {|#0:_generation|}++;
                    h?.Dispose();
                }
            }
            """,
            Guarded("_generation", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task OtherObjectsField_ThisObjectsLockHeld_Reports()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm");
                [GuardedBy(nameof(_lock))] private int _state;

                int Peek(Vm other)
                {
                    using (_lock.Lock())
                    {
                        return {|#0:other._state|};
                    }
                }
            }
            """,
            Guarded("_state", "DomainLock 'other._lock'"));
    }

    [Fact]
    public async Task GuardedProperty_LockOfAnotherTypeHeld_Reports()
    {
        await Verify("""
            class Vm
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] public string Name { get; set; } = "";

                void Rename()
                {
                    using (_driver.Lock())
                    {
                        {|#0:Name|} = "vm2";
                    }
                }
            }
            """,
            Guarded("Name", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task GuardedByType_NoLockOfThatTypeHeld_Reports()
    {
        await Verify("""
            class Registry
            {
                private readonly DomainLock _vm = new("vm1");
                [GuardedBy(typeof(DriverLock))] private int _count;

                void Add()
                {
                    using (_vm.Lock())
                    {
                        {|#0:_count|} += 1;
                    }
                }
            }
            """,
            Guarded("_count", "DriverLock"));
    }

    [Fact]
    public async Task LambdaReadsGuardedField_CreatedUnderTheLock_Reports()
    {
        // The lambda may run after the lock is released: the locks where it is created do not count.
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                Func<int> Reader()
                {
                    using (_lock.Lock())
                    {
                        return () => {|#0:_state|};
                    }
                }
            }
            """,
            Guarded("_state", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task LocalFunctionWritesGuardedField_CalledUnderTheLock_Reports()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                void Update()
                {
                    using (_lock.Lock())
                    {
                        Set();
                    }

                    void Set() => {|#0:_state|} = 1;
                }
            }
            """,
            Guarded("_state", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task LambdaInConstructor_ReadsGuardedField_Reports()
    {
        // The constructor is exempt; a callback it registers runs later, and is not.
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;
                private readonly Func<int> _peek;

                Vm()
                {
                    _state = 1;
                    _peek = () => {|#0:_state|};
                }
            }
            """,
            Guarded("_state", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task AsyncContinuation_AfterShortLockReleased_Reports()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                async Task RefreshAsync()
                {
                    using (_lock.Lock())
                    {
                        _state = 1;
                    }

                    await Task.Yield();
                    Console.WriteLine({|#0:_state|});
                }
            }
            """,
            Guarded("_state", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task StaticGuardedField_InstanceConstructor_Reports()
    {
        // Another instance's constructor does not own the type's statics.
        await Verify("""
            class Pool
            {
                private static readonly DriverLock s_driver = new();
                [GuardedBy(nameof(s_driver))] private static int s_count;

                Pool()
                {
                    {|#0:s_count|}++;
                }
            }
            """,
            Guarded("s_count", "DriverLock 's_driver'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task InsideUsingOfTheLock_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                int Read()
                {
                    using LockHandle h = _lock.Lock();
                    _state++;
                    return _state;
                }
            }
            """);
    }

    [Fact]
    public async Task InsideTryFinally_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                void Write(int value)
                {
                    LockHandle h = _lock.Lock();
                    try
                    {
                        _state = value;
                    }
                    finally
                    {
                        _lock.Unlock(h);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task OtherObjectsField_ItsOwnLockHeld_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm");
                [GuardedBy(nameof(_lock))] private int _state;

                static int Peek(Vm other)
                {
                    using (other._lock.Lock())
                    {
                        return other._state;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LoopAndBranches_LockHeldThroughout_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                void Spin(int n)
                {
                    using (_lock.Lock())
                    {
                        for (int i = 0; i < n; i++)
                        {
                            if (i % 2 == 0)
                            {
                                _state++;
                            }
                            else
                            {
                                _state--;
                            }
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardedByType_AnyLockOfThatTypeHeld_IsSilent()
    {
        await Verify("""
            class Registry
            {
                [GuardedBy(typeof(DriverLock))] private int _count;

                void Add(DriverLock driver)
                {
                    using (driver.Lock())
                    {
                        _count += 1;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Constructor_WritesOwnGuardedState_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state = 3;
                [GuardedBy(nameof(_lock))] public string Name { get; set; } = "";

                Vm(string name)
                {
                    _state = 1;
                    Name = name;
                }
            }
            """);
    }

    [Fact]
    public async Task StaticConstructor_WritesOwnStaticGuardedState_IsSilent()
    {
        await Verify("""
            class Pool
            {
                private static readonly DriverLock s_driver = new();
                [GuardedBy(nameof(s_driver))] private static int s_count;

                static Pool()
                {
                    s_count = 1;
                }
            }
            """);
    }

    [Fact]
    public async Task LambdaTakesTheLockItself_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                Func<int> Reader() => () =>
                {
                    using (_lock.Lock())
                    {
                        return _state;
                    }
                };
            }
            """);
    }

    [Fact]
    public async Task LocalFunctionTakesTheLockItself_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                void Update()
                {
                    Set(1);

                    void Set(int value)
                    {
                        using LockHandle h = _lock.Lock();
                        _state = value;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task RequiresLockMethod_ReadsGuardedField_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                [RequiresLock(typeof(DomainLock), Lock = nameof(_lock))]
                int ReadLocked() => _state;
            }
            """);
    }

    [Fact]
    public async Task AsyncContinuation_SlowLockHeldAcrossAwait_IsSilent()
    {
        await Verify("""
            class Device
            {
                private readonly QmpLock _slow;
                [GuardedBy(nameof(_slow))] private int _added;

                Device(QmpLock slow) => _slow = slow;

                async Task AddAsync()
                {
                    await using LockHandle h = await _slow.LockAsync();
                    _added = 1;
                    await Task.Delay(1);
                    _added++;
                }
            }
            """);
    }

    [Fact]
    public async Task NameofOfGuardedField_IsNotAnAccess_IsSilent()
    {
        await Verify("""
            class Vm
            {
                private readonly DomainLock _lock = new("vm1");
                [GuardedBy(nameof(_lock))] private int _state;

                string Describe() => nameof(_state);
            }
            """);
    }

    [Fact]
    public async Task ObjectInitializerOfANewObject_IsSilent()
    {
        await Verify("""
            class Vm
            {
                public readonly DomainLock Lock = new("vm1");
                [GuardedBy(nameof(Lock))] public string Name { get; set; } = "";

                static Vm Create(string name) => new Vm { Name = name };
            }
            """);
    }

    [Fact]
    public async Task ObjectInitializerReadingAnotherObjectsGuardedMember_Reports()
    {
        // Only the member being initialised is exempt; the value read for it is an ordinary read.
        await Verify("""
            class Vm
            {
                public readonly DomainLock Lock = new("vm1");
                [GuardedBy(nameof(Lock))] public string Name { get; set; } = "";

                static Vm Copy(Vm from) => new Vm { Name = {|#0:from.Name|} };
            }
            """,
            Guarded("Name", "DomainLock 'from.Lock'"));
    }

    [Fact]
    public async Task GuardedPropertyWhoseAccessorRequiresTheLock_ReportsOnlyTsl1008()
    {
        // One mistake, one diagnostic: the accessor's [RequiresLock] already says it.
        await Verify("""
            class Vm
            {
                public readonly DomainLock Lock = new("vm1");

                [GuardedBy(nameof(Lock))]
                public int State
                {
                    [RequiresLock(typeof(DomainLock), Lock = nameof(Lock))]
                    get => 0;
                }
            }

            class Reader
            {
                int Read(Vm vm) => {|#0:vm.State|};
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0).WithArguments("State", "DomainLock 'vm.Lock'"));
    }
}

