using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// The shape of the runtime's <c>Domain.ExitMonitor</c>: a lock re-taken into an existing handle by a
/// <c>[TryAcquiresLock]</c> member with no <c>out</c> handle (<c>DomainLock.Resume</c>). After
/// <c>if (!Resume(h)) throw</c> the lock is held, so guarded state and <c>[RequiresLock]</c> calls are fine.
/// </summary>
public class ResumeIntoHandleTests
{
    private const string Domain = """
        using System;
        using Toolstack.Runtime;

        class Dom
        {
            private readonly DomainLock _lock = new("vm1");
            [GuardedBy(nameof(_lock))] private int _state;

            [TryAcquiresLock(typeof(DomainLock), Lock = nameof(_lock))]
            bool Resume(LockHandle handle) => true;

            [AcquiresLock(typeof(DomainLock), Lock = nameof(_lock))]
            public int Exit(LockHandle suspended)
            {
                BODY
            }
        }
        """;

    [Fact]
    public async Task GuardedReadBeforeResume_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(Domain.Replace("BODY", """
            int seen = {|#0:_state|};
                    if (!Resume(suspended)) throw new InvalidOperationException();
                    return seen;
            """),
            VerifyCS.Diagnostic("TSL1010").WithLocation(0).WithArguments("_state", "DomainLock '_lock'"));
    }

    [Fact]
    public async Task GuardedReadAfterResumeSucceeded_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync(Domain.Replace("BODY", """
            if (!Resume(suspended)) throw new InvalidOperationException();
                    return _state;
            """));
    }
}
