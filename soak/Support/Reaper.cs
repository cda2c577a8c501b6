using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Toolstack.Soak.Support;

/// <summary>
/// Every QEMU and child process the run starts is registered here, so that Ctrl-C, SIGTERM or a
/// failing section still kills them all: a soak that leaves 50 QEMUs behind is itself a leak.
/// </summary>
internal static class Reaper
{
    private static readonly ConcurrentDictionary<IDisposable, byte> s_owned = new();
    private static readonly CancellationTokenSource s_stop = new();
    private static readonly List<PosixSignalRegistration> s_registrations = [];

    /// <summary>Cancelled on SIGINT/SIGTERM/SIGHUP: sections stop at their next step.</summary>
    public static CancellationToken Stopping => s_stop.Token;

    public static void InstallSignalHandlers()
    {
        foreach (PosixSignal signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            s_registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                // Keep the process alive long enough to kill what it started, then exit 130.
                context.Cancel = true;
                Console.Error.WriteLine($"  # {context.Signal}: killing every QEMU and child this run started");
                s_stop.Cancel();
                KillAll();
                Environment.Exit(130);
            }));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>Registers <paramref name="owned"/> (a process wrapper that kills on Dispose) and returns it.</summary>
    public static T Own<T>(T owned)
        where T : IDisposable
    {
        s_owned.TryAdd(owned, 0);
        return owned;
    }

    /// <summary>Disposes (kills) <paramref name="owned"/> now and forgets it.</summary>
    public static void Release(IDisposable owned)
    {
        s_owned.TryRemove(owned, out _);
        owned.Dispose();
    }

    public static void KillAll()
    {
        foreach (IDisposable owned in s_owned.Keys)
        {
            Release(owned);
        }
    }
}
