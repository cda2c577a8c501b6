using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Toolstack.Analyzers.Model;

/// <summary>
/// The standard APIs that sleep or wait, which carry no <c>[Blocking]</c> attribute: a built-in
/// list, extended by an <c>AdditionalFiles</c> item named <see cref="FileName"/>.
/// </summary>
/// <remarks>
/// Each line of the file names one member as <c>Namespace.Type.Member</c> (generic types with
/// their arity, <c>System.Threading.Tasks.Task`1.Result</c>; nested types with <c>+</c>); every
/// overload matches, and so do overrides. Blank lines and lines starting with <c>#</c> are ignored.
/// </remarks>
internal sealed class BlockingApis
{
    public const string FileName = "ToolstackBlockingApis.txt";

    private static readonly string[] s_builtIn =
    {
        "System.Threading.Thread.Sleep",
        "System.Threading.Thread.Join",
        "System.Threading.Tasks.Task.Wait",
        "System.Threading.Tasks.Task.WaitAll",
        "System.Threading.Tasks.Task.WaitAny",
        "System.Threading.Tasks.Task.RunSynchronously",
        "System.Threading.Tasks.Task`1.Result",
        "System.Threading.Tasks.ValueTask`1.Result",
        "System.Runtime.CompilerServices.TaskAwaiter.GetResult",
        "System.Runtime.CompilerServices.TaskAwaiter`1.GetResult",
        "System.Runtime.CompilerServices.ValueTaskAwaiter.GetResult",
        "System.Runtime.CompilerServices.ValueTaskAwaiter`1.GetResult",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter.GetResult",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter.GetResult",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable+ConfiguredValueTaskAwaiter.GetResult",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1+ConfiguredValueTaskAwaiter.GetResult",
        "System.Threading.Monitor.Wait",
        "System.Threading.WaitHandle.WaitOne",
        "System.Threading.WaitHandle.WaitAll",
        "System.Threading.WaitHandle.WaitAny",
        "System.Threading.WaitHandle.SignalAndWait",
        "System.Threading.SemaphoreSlim.Wait",
        "System.Threading.ManualResetEventSlim.Wait",
        "System.Threading.CountdownEvent.Wait",
        "System.Threading.Barrier.SignalAndWait",
        "System.Threading.SpinWait.SpinUntil",
        "System.Diagnostics.Process.WaitForExit",
        "System.Diagnostics.Process.WaitForInputIdle",
        "System.IO.File.ReadAllBytes",
        "System.IO.File.ReadAllLines",
        "System.IO.File.ReadAllText",
        "System.IO.File.ReadLines",
        "System.IO.File.WriteAllBytes",
        "System.IO.File.WriteAllLines",
        "System.IO.File.WriteAllText",
        "System.IO.File.AppendAllLines",
        "System.IO.File.AppendAllText",
        "System.IO.File.Copy",
        "System.IO.File.Move",
        "System.IO.File.Replace",
        "System.IO.File.Open",
        "System.IO.File.OpenRead",
        "System.IO.File.OpenWrite",
        "System.IO.File.OpenText",
        "System.IO.File.Create",
        "System.IO.Stream.Read",
        "System.IO.Stream.ReadByte",
        "System.IO.Stream.ReadExactly",
        "System.IO.Stream.ReadAtLeast",
        "System.IO.Stream.Write",
        "System.IO.Stream.WriteByte",
        "System.IO.Stream.Flush",
        "System.IO.Stream.CopyTo",
        "System.IO.TextReader.Read",
        "System.IO.TextReader.ReadBlock",
        "System.IO.TextReader.ReadLine",
        "System.IO.TextReader.ReadToEnd",
        "System.Net.Sockets.Socket.Accept",
        "System.Net.Sockets.Socket.Connect",
        "System.Net.Sockets.Socket.Receive",
        "System.Net.Sockets.Socket.ReceiveFrom",
        "System.Net.Sockets.Socket.ReceiveMessageFrom",
        "System.Net.Sockets.Socket.Send",
        "System.Net.Sockets.Socket.SendFile",
        "System.Net.Sockets.Socket.SendTo",
        "System.Net.Sockets.Socket.Poll",
        "System.Net.Sockets.Socket.Select",
        "System.Net.Sockets.TcpClient.Connect",
        "System.Net.Sockets.TcpListener.AcceptSocket",
        "System.Net.Sockets.TcpListener.AcceptTcpClient",
        "System.Net.Sockets.UdpClient.Receive",
        "System.Net.Sockets.UdpClient.Send",
        "System.Net.Dns.GetHostEntry",
        "System.Net.Dns.GetHostAddresses",
        "System.Net.Http.HttpClient.Send",
    };

    private readonly HashSet<string> _names;

    private BlockingApis(HashSet<string> names, string userEntries)
    {
        _names = names;
        UserEntries = userEntries;
    }

    /// <summary>The entries the user's files add, sorted, one a line: equal lists give equal models.</summary>
    public string UserEntries { get; }

    /// <summary>The built-in list plus every <see cref="FileName"/> among <paramref name="files"/>.</summary>
    public static BlockingApis Create(ImmutableArray<AdditionalText> files, CancellationToken ct)
    {
        var names = new HashSet<string>(s_builtIn, StringComparer.Ordinal);
        var userEntries = new SortedSet<string>(StringComparer.Ordinal);
        foreach (AdditionalText file in files)
        {
            if (!string.Equals(Path.GetFileName(file.Path), FileName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var text = file.GetText(ct);
            if (text is null)
            {
                continue;
            }

            foreach (var line in text.Lines)
            {
                string entry = line.ToString().Trim();
                if (entry.Length > 0 && entry[0] != '#')
                {
                    names.Add(entry);
                    userEntries.Add(entry);
                }
            }
        }

        return new BlockingApis(names, string.Join("\n", userEntries));
    }

    /// <summary>Whether <paramref name="member"/>, or a member it overrides, is on the list.</summary>
    public bool Contains(ISymbol member)
    {
        for (ISymbol? current = member; current is not null; current = Overridden(current))
        {
            if (current.ContainingType is { } type && _names.Contains(MetadataName(type) + "." + current.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static ISymbol? Overridden(ISymbol member) => member switch
    {
        IMethodSymbol method => method.OverriddenMethod,
        IPropertySymbol property => property.OverriddenProperty,
        _ => null,
    };

    private static string MetadataName(INamedTypeSymbol type)
    {
        type = type.OriginalDefinition;
        string name = type.MetadataName;
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.MetadataName + "+" + name;
        }

        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }
}
