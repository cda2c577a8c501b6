using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Toolstack.Runtime;

/// <summary>
/// Names the user code that is acquiring a lock ("Type.Method in File.cs:line N"), for
/// <see cref="LockOrderException"/>. The file and line cost a PDB lookup (about 8 µs per call,
/// measured); like lockdep, that is paid only the first time a call site is seen: afterwards a
/// stack walk without file information finds the site, keyed by method and IL offset.
/// </summary>
internal static class CallSites
{
    private static readonly Assembly s_runtimeAssembly = typeof(CallSites).Assembly;
    private static readonly ConcurrentDictionary<(MethodBase Method, int ILOffset), string> s_described = new();

    /// <summary>The first frame outside this assembly above the caller of <see cref="Capture"/>'s caller.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // the frame count below depends on it
    internal static string Capture()
    {
        // Skips this method only; runtime-assembly frames are skipped below, so the depth of the
        // lock's own call chain (Lock, AcquireShort, BeginAcquire, ...) does not matter.
        var trace = new StackTrace(1, fNeedFileInfo: false);
        for (int index = 0; index < trace.FrameCount; index++)
        {
            StackFrame? frame = trace.GetFrame(index);
            MethodBase? method = frame?.GetMethod();
            if (frame is null || method?.DeclaringType is not { } type || type.Assembly == s_runtimeAssembly)
            {
                continue;
            }

            return s_described.TryGetValue((method, frame.GetILOffset()), out string? known)
                ? known
                : DescribeFirstTime(method, frame.GetILOffset(), index);
        }

        return "an unknown site";
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // one frame deeper than Capture, skipped below
    private static string DescribeFirstTime(MethodBase method, int ilOffset, int index)
    {
        // The same stack as Capture saw, this time with file information: skip this frame and Capture's.
        StackFrame? frame = new StackTrace(2, fNeedFileInfo: true).GetFrame(index);
        string where = Describe(method.DeclaringType!, method);
        string? file = frame?.GetMethod() == method ? frame.GetFileName() : null;
        string described = file is null ? where : $"{where} in {file}:line {frame!.GetFileLineNumber()}";
        return s_described.GetOrAdd((method, ilOffset), described);
    }

    /// <summary>Names async methods and lambdas by the method the user wrote, not the state machine.</summary>
    private static string Describe(Type type, MethodBase method)
    {
        if (type.IsDefined(typeof(CompilerGeneratedAttribute)) && type.DeclaringType is { } outer)
        {
            string name = type.Name;
            int open = name.IndexOf('<');
            int close = name.IndexOf('>');
            if (open == 0 && close > 1)
            {
                return $"{outer.FullName}.{name.Substring(1, close - 1)}";
            }

            return $"{outer.FullName}.{method.Name}";
        }

        return $"{type.FullName}.{method.Name}";
    }
}
