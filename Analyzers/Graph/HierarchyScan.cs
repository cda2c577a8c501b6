using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Graph;

/// <summary>
/// The declared hierarchy of one compilation: every lock type it can see (the runtime's and the
/// user's) and every field or property carrying <c>[LockLevel]</c>. Only assemblies that can
/// declare locks are walked: the runtime's and those referencing it.
/// </summary>
internal static class HierarchyScan
{
    public static IEnumerable<GraphNode> Declared(Compilation compilation, LockModel model)
    {
        IAssemblySymbol runtime = model.LockLevelAttribute.ContainingAssembly;
        foreach (IAssemblySymbol assembly in AssembliesSeeing(compilation, runtime))
        {
            bool inSource = SymbolEqualityComparer.Default.Equals(assembly, compilation.Assembly);
            foreach (INamedTypeSymbol type in Types(assembly.GlobalNamespace))
            {
                if (model.GetLockKind(type) is { } kind)
                {
                    yield return GraphNodes.OfType(kind);
                }

                if (!inSource)
                {
                    continue;
                }

                foreach (ISymbol member in type.GetMembers())
                {
                    if (member is IFieldSymbol or IPropertySymbol && LevelOf(member, model) is { } node)
                    {
                        yield return node;
                    }
                }
            }
        }
    }

    private static GraphNode? LevelOf(ISymbol member, LockModel model) =>
        LockLevelDeclaration.Of(member, model.LockLevelAttribute) is { } declared
            ? new GraphNode(NodeIds.OfMember(member), member.ContainingType.Name + "." + member.Name, declared.Level,
                declared.IsSlow, declared.ForbidsBlocking, NodeOrigin.LockField)
            : null;

    private static IEnumerable<IAssemblySymbol> AssembliesSeeing(Compilation compilation, IAssemblySymbol runtime)
    {
        yield return compilation.Assembly;
        foreach (MetadataReference reference in compilation.References)
        {
            if (compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly
                && (SymbolEqualityComparer.Default.Equals(assembly, runtime) || References(assembly, runtime)))
            {
                yield return assembly;
            }
        }
    }

    private static bool References(IAssemblySymbol assembly, IAssemblySymbol runtime)
    {
        foreach (IModuleSymbol module in assembly.Modules)
        {
            foreach (AssemblyIdentity identity in module.ReferencedAssemblies)
            {
                if (identity.Name == runtime.Identity.Name)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static IEnumerable<INamedTypeSymbol> Types(INamespaceSymbol root)
    {
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            INamespaceOrTypeSymbol current = pending.Pop();
            if (current is INamedTypeSymbol type)
            {
                yield return type;
            }

            foreach (ISymbol member in current.GetMembers())
            {
                if (member is INamespaceOrTypeSymbol inner)
                {
                    pending.Push(inner);
                }
            }
        }
    }
}
