using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules.Bcl;

/// <summary>
/// TSL1010 with a BCL lock as the guard: <c>[GuardedBy(nameof(_cache))]</c> where <c>_cache</c> is an
/// object used with <c>lock</c>/<c>Monitor</c>, a <c>System.Threading.Lock</c> or a <c>[LockLevel]</c>
/// <c>SemaphoreSlim</c>. The guard is that object of the same object, held on every path; lambdas and
/// local functions must take it themselves; constructors are exempt.
/// </summary>
public class GuardedByBclLockTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
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
    public async Task GuardedByLockedObject_AddOutsideLockStatement_Reports()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                [GuardedBy(nameof(_cache))] private readonly List<int> _entries = new();

                void Add(int x)
                {
                    lock (_cache)
                    {
                        _entries.Add(x);
                    }

                    {|#0:_entries|}.Add(x);
                }
            }
            """,
            Guarded("_entries", "lock '_cache'"));
    }

    [Fact]
    public async Task GuardedByLockedObject_AnotherObjectLocked_Reports()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                private readonly object _other = new();
                [GuardedBy(nameof(_cache))] private int _count;

                void Bump()
                {
                    lock (_other)
                    {
                        {|#0:_count|}++;
                    }
                }
            }
            """,
            Guarded("_count", "lock '_cache'"));
    }

    [Fact]
    public async Task GuardedByLockedObject_LambdaCreatedInsideLock_Reports()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                [GuardedBy(nameof(_cache))] private int _count;

                Func<int> Reader()
                {
                    lock (_cache)
                    {
                        return () => {|#0:_count|};
                    }
                }
            }
            """,
            Guarded("_count", "lock '_cache'"));
    }

    [Fact]
    public async Task GuardedByLockedObject_LocalFunctionCalledInsideLock_Reports()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                [GuardedBy(nameof(_cache))] private int _count;

                void Bump()
                {
                    lock (_cache)
                    {
                        Inc();
                    }

                    void Inc() => {|#0:_count|}++;
                }
            }
            """,
            Guarded("_count", "lock '_cache'"));
    }

    [Fact]
    public async Task GuardedByThreadingLock_AfterLockStatement_Reports()
    {
        await Verify("""
            class Cache
            {
                private readonly Lock _gate = new();
                [GuardedBy(nameof(_gate))] private int _count;

                int Read()
                {
                    lock (_gate)
                    {
                        _count++;
                    }

                    return {|#0:_count|};
                }
            }
            """,
            Guarded("_count", "lock '_gate'"));
    }

    [Fact]
    public async Task GuardedByThreadingLock_AfterEnterScopeDisposed_Reports()
    {
        await Verify("""
            class Cache
            {
                private readonly Lock _gate = new();
                [GuardedBy(nameof(_gate))] private int _count;

                void Write()
                {
                    using (_gate.EnterScope())
                    {
                        _count = 1;
                    }

                    {|#0:_count|} = 2;
                }
            }
            """,
            Guarded("_count", "lock '_gate'"));
    }

    [Fact]
    public async Task GuardedByMonitorObject_AfterMonitorExit_Reports()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                [GuardedBy(nameof(_cache))] private int _count;

                void Bump()
                {
                    Monitor.Enter(_cache);
                    try
                    {
                        _count++;
                    }
                    finally
                    {
                        Monitor.Exit(_cache);
                    }

                    {|#0:_count|}++;
                }
            }
            """,
            Guarded("_count", "lock '_cache'"));
    }

    [Fact]
    public async Task GuardedByMarkedSemaphore_WithoutWait_Reports()
    {
        await Verify("""
            class Table
            {
                [LockLevel(LockLevels.Domain + 10)]
                private readonly SemaphoreSlim _table = new(1, 1);
                [GuardedBy(nameof(_table))] private int _rows;

                int Count() => {|#0:_rows|};
            }
            """,
            Guarded("_rows", "lock '_table'"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task GuardedByLockedObject_InsideLockStatementWithLoopAndBranch_IsSilent()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                [GuardedBy(nameof(_cache))] private readonly List<int> _entries = new();

                void AddAll(int[] xs)
                {
                    lock (_cache)
                    {
                        foreach (int x in xs)
                        {
                            if (x > 0)
                            {
                                _entries.Add(x);
                            }
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardedByLockedObject_LambdaTakesTheLockItself_IsSilent()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                [GuardedBy(nameof(_cache))] private int _count;

                Func<int> Reader() => () =>
                {
                    lock (_cache)
                    {
                        return _count;
                    }
                };
            }
            """);
    }

    [Fact]
    public async Task GuardedByLockedObject_Constructor_IsSilent()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                [GuardedBy(nameof(_cache))] private int _count;

                Cache(int start) { _count = start; }
            }
            """);
    }

    [Fact]
    public async Task GuardedByThreadingLock_InsideLockStatement_IsSilent()
    {
        await Verify("""
            class Cache
            {
                private readonly Lock _gate = new();
                [GuardedBy(nameof(_gate))] private int _count;

                int Bump()
                {
                    lock (_gate)
                    {
                        return ++_count;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardedByThreadingLock_InsideEnterScopeUsing_IsSilent()
    {
        await Verify("""
            class Cache
            {
                private readonly Lock _gate = new();
                [GuardedBy(nameof(_gate))] private int _count;

                void Write()
                {
                    using (_gate.EnterScope())
                    {
                        _count = 2;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardedByMonitorObject_InsideTryFinally_IsSilent()
    {
        await Verify("""
            class Cache
            {
                private readonly object _cache = new();
                [GuardedBy(nameof(_cache))] private int _count;

                void Bump()
                {
                    bool taken = false;
                    try
                    {
                        Monitor.Enter(_cache, ref taken);
                        _count++;
                    }
                    finally
                    {
                        if (taken) Monitor.Exit(_cache);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardedByMarkedSemaphore_AfterWaitAsyncUntilRelease_IsSilent()
    {
        await Verify("""
            class Table
            {
                [LockLevel(LockLevels.Domain + 10, IsSlow = true)]
                private readonly SemaphoreSlim _table = new(1, 1);
                [GuardedBy(nameof(_table))] private int _rows;

                async Task AddAsync()
                {
                    await _table.WaitAsync();
                    try
                    {
                        _rows++;
                    }
                    finally
                    {
                        _table.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GuardedByUnmarkedSemaphore_GuardsNothing_IsSilent()
    {
        // An unmarked SemaphoreSlim is no lock (it may be a counter of permits): nothing to hold.
        await Verify("""
            class Table
            {
                private readonly SemaphoreSlim _permits = new(4, 4);
                [GuardedBy(nameof(_permits))] private int _rows;

                int Count() => _rows;
            }
            """);
    }
}
