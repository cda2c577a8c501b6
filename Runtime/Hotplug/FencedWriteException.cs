namespace Toolstack.Runtime;

/// <summary>
/// A fenced config write was refused: a write with a higher fencing token (a later holder of the
/// domain's cluster lease) has already been made. Nothing was written. The writer's lease is
/// stale; it must stop acting for the domain.
/// </summary>
public sealed class FencedWriteException : LockException
{
    internal FencedWriteException(string domainId, long fencingToken, long highestToken)
        : base($"The config write of domain '{domainId}' with fencing token {fencingToken} is refused: a write with token {highestToken} was made already; this holder's lease is stale.")
    {
        DomainId = domainId;
        FencingToken = fencingToken;
        HighestToken = highestToken;
    }

    /// <summary>The domain.</summary>
    public string DomainId { get; }

    /// <summary>The refused write's token.</summary>
    public long FencingToken { get; }

    /// <summary>The highest token written so far.</summary>
    public long HighestToken { get; }
}
