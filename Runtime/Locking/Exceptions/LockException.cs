using System;

namespace Toolstack.Runtime;

/// <summary>Base of the exceptions that report a misuse of the lock hierarchy at run time.</summary>
public abstract class LockException : InvalidOperationException
{
    /// <summary>Creates the exception with its message.</summary>
    protected LockException(string message) : base(message) { }
}
