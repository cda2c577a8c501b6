using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Toolstack.Runtime;

namespace Toolstack.Analyzers.Tests.Verifiers;

/// <summary>What a test compilation references: .NET 10 and the Toolstack runtime.</summary>
internal static class TestReferences
{
    // The testing package's built-in ReferenceAssemblies name Ref packs this feed lacks (FACTS.md).
    public static readonly ReferenceAssemblies Net10 = new(
        "net10.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.10"),
        Path.Combine("ref", "net10.0"));

    public static readonly MetadataReference Runtime =
        MetadataReference.CreateFromFile(typeof(DriverLock).Assembly.Location);
}
