using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests;

public class LockAnalyzerTests
{
    [Fact]
    public async Task CorrectRuntimeUse_InsideUsing_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLock _domain = new("vm1");

                public void Rename()
                {
                    using var driver = _driver.Lock();
                    using var domain = _domain.Lock();
                }

                public async Task ChangeMediaAsync(QmpLock qmp)
                {
                    await using LockHandle slow = await qmp.LockAsync();
                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task CompilationWithoutRuntime_LookAlikeTypes_IsSilent()
    {
        await VerifyCS.VerifyWithoutRuntimeAsync("""
            using System.Threading;

            namespace Elsewhere
            {
                sealed class DriverLock { public System.IDisposable Lock() => null!; }

                class Daemon
                {
                    void Run(DriverLock driver)
                    {
                        using (driver.Lock())
                        {
                            Thread.Sleep(1000);
                        }
                    }
                }
            }
            """);
    }
}
