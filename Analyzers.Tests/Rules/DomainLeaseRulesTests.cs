using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Toolstack.Runtime.Cluster;
using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// The cluster lease (Toolstack.Runtime.Cluster's DomainLease, another assembly) is checked by the
/// rules unchanged: the analyzer knows it by its [LockLevel(Cluster, IsSlow = true)] and its
/// [AcquiresLock]/[TryAcquiresLock]/[ReleasesLock] members alone.
/// </summary>
public class DomainLeaseRulesTests
{
    private static readonly MetadataReference s_cluster = MetadataReference.CreateFromFile(typeof(DomainLease).Assembly.Location);

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new VerifyCS.Test { TestCode = source };
        test.TestState.AdditionalReferences.Add(s_cluster);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TakenUnderAShortLock_Tsl1001()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;
            using Toolstack.Runtime.Cluster;

            class Host
            {
                private readonly DriverLock _driver = new();
                private readonly DomainLease _lease;
                Host(DomainLease lease) => _lease = lease;

                void Run()
                {
                    using LockHandle driver = {|#1:_driver.Lock()|};
                    if ({|#0:_lease.TryLock(out LockHandle h)|})
                    {
                        _lease.Unlock(h);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLease '_lease'", "DriverLock '_driver'", "DomainLease (level 50) must be taken before DriverLock (level 200)"));
    }

    [Fact]
    public async Task TakenUnderQmpLock_Tsl1001_QmpLockUnderIt_Clean()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;
            using Toolstack.Runtime.Cluster;

            class Host
            {
                async Task Wrong(QmpLock qmp, DomainLease lease)
                {
                    await using LockHandle q = await {|#1:qmp.LockAsync()|};
                    await using LockHandle l = await {|#0:lease.LockAsync()|};
                }

                async Task Right(QmpLock qmp, DomainLease lease)
                {
                    await using LockHandle l = await lease.LockAsync();
                    await using LockHandle q = await qmp.LockAsync();
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1001").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLease 'lease'", "QmpLock 'qmp'", "DomainLease (level 50) must be taken before QmpLock (level 100)"));
    }

    [Fact]
    public async Task HeldAcrossAwaitAndQmpCalls_Clean()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;
            using Toolstack.Runtime.Cluster;

            class Host
            {
                async Task Run(DomainLease lease, QmpClient qmp)
                {
                    LockHandle held = await lease.LockAsync();
                    try
                    {
                        await Task.Delay(1, held.Grant().Lost);
                        await qmp.QueryStatusAsync();
                        held.Grant().ThrowIfLost();
                    }
                    finally
                    {
                        lease.Unlock(held);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task NotReleasedOnAPath_Tsl1005()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Toolstack.Runtime;
            using Toolstack.Runtime.Cluster;

            class Host
            {
                async Task Run(DomainLease lease, bool early)
                {
                    LockHandle held = await {|#0:lease.LockAsync()|};
                    if (early)
                    {
                        {|#1:return;|}
                    }

                    lease.Unlock(held);
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("DomainLease 'lease'", "Run", "still held at a return"));
    }
}
