using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// Two locks of one level taken on purpose through an <c>[AcquiresInCanonicalOrder]</c> member
/// (<c>DomainLock.LockBoth</c>): not TSL1001 between themselves; checked against the locks held
/// before (TSL1001), and each tracked for its release through the returned pair (TSL1005,
/// TSL1006, TSL1007). Any other nesting of one level is still TSL1001.
/// </summary>
public class CanonicalOrderTests
{
    private const string TwoDomains = "two locks of level 300 may not be nested";

    // ---- must report ----------------------------------------------------------------------

    [Fact]
    public async Task LockBoth_PairNeverDisposed_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockPair {|#1:both = {|#0:DomainLock.LockBoth(source, target)|}|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'source'", "Move", "still held on leaving"));
    }

    [Fact]
    public async Task LockBoth_OnlyFirstHandleReleased_ReportsTheSecond()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockPair both = {|#0:DomainLock.LockBoth(source, target)|};
                    {|#1:source.Unlock(both.First);|}
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'target'", "Move", "still held on leaving"));
    }

    [Fact]
    public async Task LockBoth_SecondHandleUnlockedTwice_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockPair both = {|#1:DomainLock.LockBoth(source, target)|};
                    using LockHandle first = both.First;
                    try
                    {
                        System.Console.WriteLine("moving");
                    }
                    finally
                    {
                        target.Unlock(both.Second);
                    }

                    {|#0:target.Unlock(both.Second)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1006").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'target'"));
    }

    [Fact]
    public async Task LockBoth_WhileAThirdDomainIsHeld_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                private readonly DomainLock _vm3 = new("vm3");

                void Move(DomainLock source, DomainLock target)
                {
                    using var third = {|#1:_vm3.Lock()|};
                    using var both = {|#0:DomainLock.LockBoth(source, target)|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'source'", "DomainLock '_vm3'", TwoDomains));
    }

    [Fact]
    public async Task ThirdDomain_TakenUnderThePair_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                private readonly DomainLock _vm3 = new("vm3");

                void Move(DomainLock source, DomainLock target)
                {
                    using var both = {|#1:DomainLock.LockBoth(source, target)|};
                    using var third = {|#0:_vm3.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock '_vm3'", "DomainLock 'source'", TwoDomains));
    }

    [Fact]
    public async Task WrapperTakingTwoDomainsWithoutCanonicalOrder_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            static class Unordered
            {
                [AcquiresLock(typeof(DomainLock), Lock = "first")]
                [AcquiresLock(typeof(DomainLock), Lock = "second")]
                public static void LockTwo(DomainLock first, DomainLock second) { }

                [ReleasesLock(typeof(DomainLock), Lock = "first")]
                [ReleasesLock(typeof(DomainLock), Lock = "second")]
                public static void UnlockTwo(DomainLock first, DomainLock second) { }
            }

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    {|#0:Unordered.LockTwo(source, target)|};
                    Unordered.UnlockTwo(source, target);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(0)
                .WithArguments("DomainLock 'target'", "DomainLock 'source'", TwoDomains));
    }

    [Fact]
    public async Task LockBoth_AwaitWhileHeld_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Migration
            {
                async Task MoveAsync(DomainLock source, DomainLock target)
                {
                    using var both = {|#1:DomainLock.LockBoth(source, target)|};
                    {|#0:await Task.Yield()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1007").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'source'"));
    }

    [Fact]
    public async Task HelperReturningThePair_NeverDisposedByTheCaller_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                LockPair Take(DomainLock source, DomainLock target) => DomainLock.LockBoth(source, target);

                void Move(DomainLock a, DomainLock b)
                {
                    LockPair {|#1:both = {|#0:Take(a, b)|}|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLock 'a'", "Move", "still held on leaving"));
    }

    // ---- must stay silent -----------------------------------------------------------------

    [Fact]
    public async Task LockBoth_UsingDeclaration_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    using var both = DomainLock.LockBoth(source, target);
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_UsingStatementWithoutVariable_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                private readonly DomainLock _vm1 = new("vm1");
                private readonly DomainLock _vm2 = new("vm2");

                void Swap()
                {
                    using (DomainLock.LockBoth(_vm1, _vm2))
                    {
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_TryFinallyDispose_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockPair both = DomainLock.LockBoth(source, target);
                    try
                    {
                        System.Console.WriteLine("moving");
                    }
                    finally
                    {
                        both.Dispose();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_EachHandleInItsOwnUsing_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockPair both = DomainLock.LockBoth(source, target);
                    using LockHandle first = both.First;
                    using LockHandle second = both.Second;
                    System.Console.WriteLine("moving");
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_EachHandleUnlockedInNestedFinally_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    LockPair both = DomainLock.LockBoth(source, target);
                    try
                    {
                        try
                        {
                            System.Console.WriteLine("moving");
                        }
                        finally
                        {
                            target.Unlock(both.Second);
                        }
                    }
                    finally
                    {
                        source.Unlock(both.First);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_UnderTheDriverLock_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();

                void Move(DomainLock source, DomainLock target)
                {
                    using var driver = _driver.Lock();
                    using var both = DomainLock.LockBoth(source, target);
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_InLoop_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using Toolstack.Runtime;

            class Migration
            {
                void MoveAll(IReadOnlyList<(DomainLock From, DomainLock To)> moves)
                {
                    foreach (var move in moves)
                    {
                        using var both = DomainLock.LockBoth(move.From, move.To);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_EachBranchDisposes_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target, bool dryRun)
                {
                    LockPair both = DomainLock.LockBoth(source, target);
                    try
                    {
                        System.Console.WriteLine("moving");
                    }
                    finally
                    {
                        if (dryRun)
                        {
                            both.Dispose();
                        }
                        else
                        {
                            using LockHandle second = both.Second;
                            source.Unlock(both.First);
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_InLambdaAndLocalFunction_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using Toolstack.Runtime;

            class Migration
            {
                void Move(DomainLock source, DomainLock target)
                {
                    Action swap = () =>
                    {
                        using var both = DomainLock.LockBoth(source, target);
                    };
                    swap();
                    Local();

                    void Local()
                    {
                        using var both = DomainLock.LockBoth(target, source);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_AsyncMethodReleasedBeforeAwait_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Migration
            {
                async Task MoveAsync(DomainLock source, DomainLock target)
                {
                    await Task.Yield();
                    using (DomainLock.LockBoth(source, target))
                    {
                    }

                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task LockBoth_PairReturnedToTheCaller_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                LockPair Take(DomainLock source, DomainLock target)
                {
                    LockPair both = DomainLock.LockBoth(source, target);
                    return both;
                }
            }
            """);
    }

    [Fact]
    public async Task HelperReturningThePair_UsingAtTheCaller_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                LockPair Take(DomainLock source, DomainLock target) => DomainLock.LockBoth(source, target);

                void Move(DomainLock a, DomainLock b)
                {
                    using var both = Take(a, b);
                }
            }
            """);
    }

    [Fact]
    public async Task AnnotatedWrapper_EachHandleReleasedByTheCaller_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Migration
            {
                [AcquiresInCanonicalOrder(typeof(DomainLock), nameof(first), nameof(second))]
                LockPair LockPairOf(DomainLock first, DomainLock second) => DomainLock.LockBoth(first, second);

                void Move(DomainLock a, DomainLock b)
                {
                    LockPair both = LockPairOf(a, b);
                    using LockHandle first = both.First;
                    using LockHandle second = both.Second;
                }
            }
            """);
    }
}
