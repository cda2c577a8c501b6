namespace Toolstack.Runtime;

/// <summary>
/// A per-domain lock (<see cref="JsonLock"/>, <see cref="QmpLock"/>) cannot be acquired because
/// the domain was destroyed (or never created). Nothing is held when this is thrown.
/// </summary>
public sealed class DomainGoneException : LockException
{
    internal DomainGoneException(string domainId)
        : base($"Domain '{domainId}' does not exist (destroyed, or never created); its locks cannot be taken.")
    {
        DomainId = domainId;
    }

    /// <summary>The domain's identifier.</summary>
    public string DomainId { get; }
}
