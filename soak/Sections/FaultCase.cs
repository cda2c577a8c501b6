using Toolstack.Runtime.Tests.Qmp.Support;

namespace Toolstack.Soak.Sections;

/// <summary>
/// One row of the QMP fault matrix: what the scripted peer does, what the client does against it,
/// the exception types that count as the typed answer, and the bounds on time and peak heap.
/// </summary>
/// <param name="Name">The figure's name, <c>fault-NAME</c>.</param>
/// <param name="Peer">The fake server's script.</param>
/// <param name="Client">The client's side, given the socket path; it must throw.</param>
/// <param name="Expected">The exception types accepted (or a subclass).</param>
/// <param name="TimeBound">From the client's first step to its exception.</param>
/// <param name="HeapBound">The peak managed heap above the settled baseline while the case runs.</param>
internal sealed record FaultCase(
    string Name,
    Func<FakeQmpPeer, CancellationToken, Task> Peer,
    Func<string, Task> Client,
    Type[] Expected,
    TimeSpan TimeBound,
    long HeapBound);
