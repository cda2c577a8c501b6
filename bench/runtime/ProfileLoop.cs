using System;
using System.Diagnostics;

namespace Toolstack.Bench.Runtime;

/// <summary>One benchmark body in a plain loop, so a profiler or strace sees only it.</summary>
internal static class ProfileLoop
{
    internal static int Run(string what, int count)
    {
        Action body;
        Action cleanup = () => { };
        switch (what)
        {
            case "jsonlock" or "cminimal" or "cfull":
                var json = new JsonLockBenchmarks();
                json.Setup();
                body = what == "jsonlock" ? json.JsonLockLockUnlock : what == "cminimal" ? json.CMinimalProtocol : json.CFullProtocol;
                cleanup = json.Cleanup;
                break;
            case "domainlock-on" or "domainlock-off" or "driverlock-on" or "driverlock-off" or "system-lock":
                var locks = new LockBenchmarks();
                bool on = what.EndsWith("-on", StringComparison.Ordinal);
                if (on)
                {
                    locks.ValidatorOn();
                }
                else
                {
                    locks.ValidatorOff();
                }

                body = what switch
                {
                    "domainlock-on" => locks.DomainLockOn,
                    "domainlock-off" => locks.DomainLockOff,
                    "driverlock-on" => locks.DriverLockOn,
                    "driverlock-off" => locks.DriverLockOff,
                    _ => locks.SystemThreadingLock,
                };
                cleanup = locks.Cleanup;
                break;
            default:
                Console.Error.WriteLine($"unknown loop '{what}'");
                return 2;
        }

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            body();
        }

        Console.WriteLine($"{what}: {count} in {clock.Elapsed.TotalMilliseconds:F0} ms, {clock.Elapsed.TotalMilliseconds * 1000 / count:F2} µs each");
        cleanup();
        return 0;
    }
}
