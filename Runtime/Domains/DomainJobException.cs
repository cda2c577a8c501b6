using System;

namespace Toolstack.Runtime;

/// <summary>
/// A job was used where it does not apply: ended already, another domain's, or a monitor left
/// that was not entered.
/// </summary>
public sealed class DomainJobException : InvalidOperationException
{
    internal DomainJobException(string message) : base(message) { }
}
