using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Toolstack.Runtime;

/// <summary>
/// Names an acquisition site from the caller information the compiler passed to <c>Lock</c>
/// ("Type.Method in File.cs:line N"), for <see cref="LockOrderException"/>.
/// </summary>
/// <remarks>
/// The file, line and member are compile-time constants; only the declaring type is not. Like
/// lockdep, the type is found once per site, with one stack walk the first time the site is
/// seen, and the described site is kept in a small direct-mapped table: a later acquisition there
/// costs a few compares (issue 10: a walk per acquisition was ~70% of 7 µs). Sites inside this
/// runtime (the driver and domain methods taking locks on a user's behalf) would name the runtime,
/// not the user, so for them, and for callers that passed no information, the old per-call
/// <see cref="CallSites"/> walk still finds the first user frame.
/// </remarks>
internal static class CallerSites
{
    private const int SlotCount = 1024;

    // Where this runtime's sources were compiled from: a caller file under it is the runtime itself.
    private static readonly string s_runtimeSourceRoot = RuntimeSourceRoot();

    // A slot holds an immutable Site; a collision just replaces it (the next visit walks again).
    private static readonly Site?[] s_slots = new Site?[SlotCount];

    /// <summary>The description of the site; <paramref name="file"/> empty means "not known".</summary>
    internal static string Describe(string member, string file, int line)
    {
        if (file.Length == 0 || line <= 0)
        {
            return CallSites.Capture();
        }

        int slot = ((line * 31) + file.Length) & (SlotCount - 1);
        Site? known = Volatile.Read(ref s_slots[slot]);
        if (known is not null && known.Matches(member, file, line))
        {
            return known.Described ?? CallSites.Capture();
        }

        return FirstSight(member, file, line, slot);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // the rare path stays out of the hot one
    private static string FirstSight(string member, string file, int line, int slot)
    {
        string? described = null;
        if (!file.StartsWith(s_runtimeSourceRoot, StringComparison.Ordinal) && UserType() is { } type)
        {
            described = $"{type.FullName}.{member} in {file}:line {line}";
        }

        Volatile.Write(ref s_slots[slot], new Site(member, file, line, described));
        return described ?? CallSites.Capture();
    }

    /// <summary>The type the user wrote whose code called the lock: the first frame outside this runtime.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Type? UserType()
    {
        var trace = new StackTrace(1, fNeedFileInfo: false);
        for (int index = 0; index < trace.FrameCount; index++)
        {
            Type? type = trace.GetFrame(index)?.GetMethod()?.DeclaringType;
            if (type is null || type.Assembly == typeof(CallerSites).Assembly)
            {
                continue;
            }

            // Lambdas, local functions and async state machines live in nested generated types.
            while (type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) && type.DeclaringType is { } outer)
            {
                type = outer;
            }

            return type;
        }

        return null;
    }

    private static string RuntimeSourceRoot([CallerFilePath] string here = "")
    {
        // here is <root>/Locking/Validation/CallerSites.cs.
        string? root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(here)));
        return string.IsNullOrEmpty(root) ? "\0" : root + here[root.Length];
    }

    private sealed class Site(string member, string file, int line, string? described)
    {
        /// <summary>Null for a site inside the runtime: walk to the user's frame each time.</summary>
        internal string? Described { get; } = described;

        internal bool Matches(string member2, string file2, int line2) =>
            line2 == line
            && (ReferenceEquals(file2, file) || string.Equals(file2, file, StringComparison.Ordinal))
            && (ReferenceEquals(member2, member) || string.Equals(member2, member, StringComparison.Ordinal));
    }
}
