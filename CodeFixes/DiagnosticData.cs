using System.Globalization;
using Toolstack.Analyzers.Rules;

namespace Toolstack.CodeFixes;

/// <summary>
/// Reads back what the analyzer put in a diagnostic's <see cref="Diagnostic.Properties"/>
/// (<see cref="FixProperties"/>). Every reader answers null for a missing or malformed value
/// (an older analyzer, a hand-made diagnostic): the fix then offers nothing.
/// </summary>
internal static class DiagnosticData
{
    /// <summary>The property's text; null when absent or empty.</summary>
    public static string? Text(Diagnostic diagnostic, string key) =>
        diagnostic.Properties.TryGetValue(key, out string? value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>A yes/no property.</summary>
    public static bool? Flag(Diagnostic diagnostic, string key) => Text(diagnostic, key) switch
    {
        FixProperties.True => true,
        FixProperties.False => false,
        _ => null,
    };

    /// <summary>A lock level.</summary>
    public static int? Level(Diagnostic diagnostic, string key) =>
        int.TryParse(Text(diagnostic, key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int level) ? level : null;

    /// <summary>How an acquisition keeps its handle (<see cref="FixProperties.LockSite"/>, <see cref="FixProperties.TakenSite"/>).</summary>
    public static AcquisitionSiteKind? SiteKind(Diagnostic diagnostic, string key) => Text(diagnostic, key) switch
    {
        FixProperties.SiteKinds.LocalDeclaration => AcquisitionSiteKind.LocalDeclaration,
        FixProperties.SiteKinds.UsingDeclaration => AcquisitionSiteKind.UsingDeclaration,
        FixProperties.SiteKinds.Assignment => AcquisitionSiteKind.Assignment,
        FixProperties.SiteKinds.UsingStatement => AcquisitionSiteKind.UsingStatement,
        FixProperties.SiteKinds.ExpressionStatement => AcquisitionSiteKind.ExpressionStatement,
        _ => null,
    };

    /// <summary>The lock's type (<see cref="FixProperties.LockType"/>), bound in <paramref name="compilation"/>.</summary>
    public static INamedTypeSymbol? LockType(Diagnostic diagnostic, Compilation compilation) =>
        Text(diagnostic, FixProperties.LockType) is { } name ? compilation.GetTypeByMetadataName(name) : null;

    /// <summary>
    /// The held lock's site (<see cref="FixProperties.LockSite"/>, <see cref="FixProperties.LockHandle"/>):
    /// its acquisition is the diagnostic's first additional location.
    /// </summary>
    public static AcquisitionSite? HeldSite(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, CancellationToken ct) =>
        diagnostic.AdditionalLocations.Count > 0
        && AcquisitionSyntax.InvocationAt(root, diagnostic.AdditionalLocations[0]) is { } acquisition
            ? SiteAt(diagnostic, FixProperties.LockSite, FixProperties.LockHandle, acquisition, model, ct)
            : null;

    /// <summary>The site the properties <paramref name="siteKey"/> and <paramref name="handleKey"/> describe, at <paramref name="acquisition"/>.</summary>
    public static AcquisitionSite? SiteAt(Diagnostic diagnostic, string siteKey, string handleKey, InvocationExpressionSyntax acquisition,
        SemanticModel model, CancellationToken ct) =>
        SiteKind(diagnostic, siteKey) is { } kind
            ? AcquisitionSyntax.SiteAt(acquisition, kind, Text(diagnostic, handleKey), model, ct)
            : null;
}
