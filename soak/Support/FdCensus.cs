using System.Diagnostics;

namespace Toolstack.Soak.Support;

/// <summary>
/// This process's open descriptors (/proc/self/fd), without the assemblies, symbol files and
/// native libraries the runtime maps on first use: those are the runtime's, not a leak of the
/// code under load.
/// </summary>
internal static class FdCensus
{
    public static int Count()
    {
        int count = 0;
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget;
            }
            catch (IOException)
            {
                continue; // the enumeration's own descriptor, closed meanwhile
            }

            if (target is not null && !target.EndsWith(".dll", StringComparison.Ordinal) &&
                !target.EndsWith(".pdb", StringComparison.Ordinal) && !target.EndsWith(".so", StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// The count once it is back to <paramref name="expected"/>, or after two seconds whatever it
    /// is: sockets and pipes closed by a finishing background task settle within that; a leaked
    /// descriptor never does.
    /// </summary>
    public static int Settled(int expected)
    {
        var clock = Stopwatch.StartNew();
        int now = Count();
        while (now != expected && clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            Thread.Sleep(20);
            now = Count();
        }

        return now;
    }
}
