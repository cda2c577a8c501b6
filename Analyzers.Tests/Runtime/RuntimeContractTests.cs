using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Runtime;

/// <summary>The runtime's own types, as a user's code meets them: the analyzer follows their attributes.</summary>
public class RuntimeContractTests
{
    [Fact]
    public async Task MonitorHandOff_RealDomain_IsSilent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task PauseAsync(Domain domain, CancellationToken ct)
                {
                    await using DomainJob job = await domain.BeginJobAsync(DomainJobKind.Modify, null, ct);
                    using (domain.StateLock.Lock())
                    {
                        if (domain.State != DomainRunState.Running)
                        {
                            return;
                        }

                        QmpClient monitor = domain.EnterMonitor(job);
                        await monitor.StopAsync(ct);
                        if (domain.ExitMonitor(job))
                        {
                            domain.State = DomainRunState.Paused;
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task QmpCallUnderDomainLock_WithoutEnteringTheMonitor_ReportsTsl1004()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task PauseAsync(Domain domain, QmpClient qmp, CancellationToken ct)
                {
                    using (LockHandle vm = {|#1:domain.StateLock.Lock()|})
                    {
                        await {|#0:qmp.StopAsync(ct)|};
                        domain.State = DomainRunState.Paused;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("QmpClient.StopAsync", "DomainLock 'domain.StateLock'"));
    }

    [Fact]
    public async Task DomainStateWithoutItsLock_ReportsTsl1008()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Daemon
            {
                bool IsUp(Domain domain) => {|#0:domain.State|} == DomainRunState.Running;
            }
            """,
            VerifyCS.Diagnostic("TSL1008").WithLocation(0).WithArguments("Domain.State", "DomainLock 'domain.StateLock'"));
    }

    [Fact]
    public async Task BeginJobUnderTheDriverLock_ReportsTsl1004()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task RunAsync(Driver driver, Domain domain)
                {
                    using (LockHandle d = {|#1:driver.DriverLock.Lock()|})
                    {
                        await using DomainJob job = await {|#0:domain.BeginJobAsync(DomainJobKind.Query)|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("Domain.BeginJobAsync", "DriverLock 'driver.DriverLock'"));
    }

    [Fact]
    public async Task CdromInsertUnderTheJsonLock_ReportsTsl1004()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;

            class Daemon
            {
                async Task InsertAsync(Domain domain)
                {
                    using (LockHandle json = {|#1:domain.JsonLock!.Lock()|})
                    {
                        await {|#0:CdromHotplug.InsertAsync(domain, "cd0", "/images/a.iso")|};
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1004").WithLocation(0).WithLocation(1)
                .WithArguments("CdromHotplug.InsertAsync", "JsonLock 'domain.JsonLock'"));
    }
}
