using VerifyCS = Toolstack.Analyzers.Tests.Verifiers.CSharpVerifier<Toolstack.Analyzers.LockAnalyzer>;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// <c>JsonLock.TryLock</c>: <c>[TryAcquiresLock(typeof(JsonLock))]</c> and, unlike <c>Lock()</c>, not
/// <c>[Blocking]</c> (it never waits on another process), so trying it under the driver lock is allowed.
/// </summary>
public class JsonLockTryLockTests
{
    [Fact]
    public async Task JsonTryLock_TrueBranchNotReleased_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Config
            {
                void Update(JsonLock json)
                {
                    if ({|#0:json.TryLock(out LockHandle? handle)|})
                    {
                        {|#1:System.Console.WriteLine("updating");|}
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1005").WithLocation(0).WithLocation(1)
                .WithArguments("JsonLock 'json'", "Update", "still held on leaving"));
    }

    [Fact]
    public async Task JsonLock_UnderTheDriverLock_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Config
            {
                private readonly DriverLock _driver = new();

                void Update(JsonLock json)
                {
                    using var driver = {|#1:_driver.Lock()|};
                    using var held = {|#0:json.Lock()|};
                }
            }
            """,
            VerifyCS.Diagnostic("TSL1002").WithLocation(0).WithLocation(1)
                .WithArguments("JsonLock.Lock", "DriverLock '_driver'"));
    }

    [Fact]
    public async Task JsonTryLock_UnderTheDriverLock_Silent()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using Toolstack.Runtime;

            class Config
            {
                private readonly DriverLock _driver = new();

                void Update(JsonLock json)
                {
                    using var driver = _driver.Lock();
                    if (json.TryLock(out LockHandle? handle))
                    {
                        using (handle)
                        {
                            System.Console.WriteLine("updating");
                        }
                    }
                }
            }
            """);
    }
}
