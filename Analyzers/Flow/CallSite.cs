using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Toolstack.Analyzers.Model;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// One call as the call effects see it: the operation, the member, the receiver and arguments
/// with the handles they carry, and what the model and the callee's summary say about it.
/// </summary>
/// <param name="Operation">The invocation, object creation or property reference.</param>
/// <param name="Callee">The method, constructor or property.</param>
/// <param name="Instance">The receiver expression; null for static members and constructors.</param>
/// <param name="Receiver">The handles the receiver may hold.</param>
/// <param name="ArgumentValues">The handles each argument may hold, in argument order.</param>
internal sealed record CallSite(
    IOperation Operation,
    ISymbol Callee,
    IOperation? Instance,
    HandleValue? Receiver,
    ImmutableArray<IArgumentOperation> Arguments,
    ImmutableArray<HandleValue?> ArgumentValues)
{
    /// <summary>What the callee's attributes say (the accessor's, for a property whose own say nothing).</summary>
    public MemberContract Contract { get; init; } = MemberContract.None;

    /// <summary>What the callee's body does, for members of this compilation that are not a lock type's own.</summary>
    public MethodSummary? Summary { get; init; }
}

/// <summary>Where the transfer is: the state it changes, the region of the block, and where events go.</summary>
internal readonly record struct FlowPoint(LockState State, ControlFlowRegion Region, EventSink Events);
