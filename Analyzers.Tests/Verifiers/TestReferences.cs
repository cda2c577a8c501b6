using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Toolstack.Runtime;

namespace Toolstack.Analyzers.Tests.Verifiers;

/// <summary>What a test compilation references: .NET 10 and the Toolstack runtime.</summary>
internal static class TestReferences
{
    // The testing package's built-in ReferenceAssemblies (ReferenceAssemblies.Net.*) ask for Ref pack
    // versions the NuGet feed here does not serve (Net80 wants 8.0.0); name one it has.
    public static readonly ReferenceAssemblies Net10 = new(
        "net10.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.10"),
        Path.Combine("ref", "net10.0"));

    public static readonly MetadataReference Runtime =
        MetadataReference.CreateFromFile(typeof(DriverLock).Assembly.Location);
}
