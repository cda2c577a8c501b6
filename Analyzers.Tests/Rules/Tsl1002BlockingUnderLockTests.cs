using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

public class Tsl1002BlockingUnderLockTests
{
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
                .WithArguments("Thread.Sleep", "DriverLock '_driver'", 10));
    }
}
