namespace Toolstack.Analyzers.Rules;

/// <summary>
/// The keys of <see cref="Microsoft.CodeAnalysis.Diagnostic.Properties"/>: what the analyzer
/// knew that a code fix needs, so that no fix re-runs the analysis. "The lock" is the
/// acquisition a diagnostic is about: its additional location for TSL1001–TSL1004, TSL1006 and
/// TSL1007 (the held, forbidding, issuing or released lock); its location for TSL1005 and TSL1009.
/// A key is absent when the analyzer does not know the value.
/// </summary>
internal static class FixProperties
{
    /// <summary>
    /// How the lock's acquiring call keeps its handle, by the statement it sits in:
    /// <see cref="SiteKinds.LocalDeclaration"/>, <see cref="SiteKinds.UsingDeclaration"/>,
    /// <see cref="SiteKinds.Assignment"/>, <see cref="SiteKinds.UsingStatement"/>,
    /// <see cref="SiteKinds.ExpressionStatement"/>; absent for any other shape and for locks held on entry.
    /// </summary>
    public const string LockSite = "LockSite";

    /// <summary>The name of the local that holds the lock's handle (<c>vm</c> in <c>var vm = _vm.Lock();</c>).</summary>
    public const string LockHandle = "LockHandle";

    /// <summary>The source text of the expression the lock was taken through (<c>_vm</c>, <c>domain.StateLock</c>): the issuer.</summary>
    public const string LockReceiver = "LockReceiver";

    /// <summary>The lock's symbol path (<c>_vm</c>, <c>vm.StateLock</c>, <c>this</c>), when the analysis names it.</summary>
    public const string LockPath = "LockPath";

    /// <summary>The lock type's metadata name (<c>Toolstack.Runtime.DomainLock</c>), for <c>Compilation.GetTypeByMetadataName</c>.</summary>
    public const string LockType = "LockType";

    /// <summary>The lock's level in the hierarchy (invariant-culture integer; smaller is outer).</summary>
    public const string LockLevel = "LockLevel";

    /// <summary><c>"true"</c> when the lock's acquiring call may block (<c>[Blocking]</c>, or a helper that reaches a wait).</summary>
    public const string LockBlocks = "LockBlocks";

    /// <summary><c>"true"</c> when taking the lock awaits (an awaited acquisition, or <c>await using</c>).</summary>
    public const string LockAwaited = "LockAwaited";

    /// <summary>
    /// TSL1001: how the out-of-order acquisition (the reported call) keeps its handle; values as
    /// <see cref="LockSite"/>; absent when the reported call is a helper that takes the lock inside.
    /// </summary>
    public const string TakenSite = "TakenSite";

    /// <summary>TSL1001: the local holding the out-of-order acquisition's handle.</summary>
    public const string TakenHandle = "TakenHandle";

    /// <summary>TSL1001: the level of the lock taken out of order.</summary>
    public const string TakenLevel = "TakenLevel";

    /// <summary>TSL1001: <c>"true"</c> when the lock taken out of order forbids blocking while it is held.</summary>
    public const string TakenForbidsBlocking = "TakenForbidsBlocking";

    /// <summary>TSL1001: <c>"true"</c> when the lock taken out of order is a slow lock (awaiting under it is allowed).</summary>
    public const string TakenSlow = "TakenSlow";

    /// <summary>
    /// TSL1002, TSL1004: <c>"true"</c> when every other lock that may be held at the reported call
    /// is strictly outer to the lock, so that giving the lock up around the call and taking it
    /// back after is in order; otherwise <c>"false"</c>.
    /// </summary>
    public const string RetakeInOrder = "RetakeInOrder";

    /// <summary>The value of a yes/no property that holds.</summary>
    public const string True = "true";

    /// <summary>The value of a yes/no property that does not hold.</summary>
    public const string False = "false";

    /// <summary>The values of <see cref="LockSite"/> and <see cref="TakenSite"/>.</summary>
    public static class SiteKinds
    {
        /// <summary><c>LockHandle h = x.Lock();</c></summary>
        public const string LocalDeclaration = "LocalDeclaration";

        /// <summary><c>using LockHandle h = x.Lock();</c></summary>
        public const string UsingDeclaration = "UsingDeclaration";

        /// <summary><c>h = x.Lock();</c> for a local <c>h</c>.</summary>
        public const string Assignment = "Assignment";

        /// <summary><c>using (LockHandle h = x.Lock()) …</c> or <c>using (x.Lock()) …</c></summary>
        public const string UsingStatement = "UsingStatement";

        /// <summary><c>x.Lock();</c> as a statement of its own.</summary>
        public const string ExpressionStatement = "ExpressionStatement";
    }
}
