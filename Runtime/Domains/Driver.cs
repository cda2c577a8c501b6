using System;
using System.Collections.Generic;
using System.Linq;

namespace Toolstack.Runtime;

/// <summary>
/// The driver (libvirt's QEMU driver object): owns the <see cref="DriverLock"/> and the list of
/// domains. Every member takes the driver lock only briefly and never waits under it.
/// </summary>
public sealed class Driver
{
    private readonly Dictionary<string, Domain> _domains = new(StringComparer.Ordinal);

    /// <summary>Creates a driver with its own <see cref="DriverLock"/>.</summary>
    public Driver() => DriverLock = new DriverLock();

    /// <summary>The process-wide driver lock; guards the domain list.</summary>
    public DriverLock DriverLock { get; }

    /// <summary>Adds <paramref name="domain"/> to the list.</summary>
    /// <exception cref="ArgumentException">A domain with that name is already defined.</exception>
    public void Define(Domain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        using (DriverLock.Lock())
        {
            if (!_domains.TryAdd(domain.Name, domain))
            {
                throw new ArgumentException($"A domain named '{domain.Name}' is already defined.", nameof(domain));
            }
        }
    }

    /// <summary>Finds a domain by name, holding the driver lock only for the lookup.</summary>
    /// <returns>The domain, or null. Its state is not locked: take its <see cref="Domain.StateLock"/> to read it.</returns>
    public Domain? Lookup(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        using (DriverLock.Lock())
        {
            return _domains.TryGetValue(name, out Domain? domain) ? domain : null;
        }
    }

    /// <summary>Removes <paramref name="domain"/> from the list; false if it was not there.</summary>
    public bool Undefine(Domain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        using (DriverLock.Lock())
        {
            return _domains.TryGetValue(domain.Name, out Domain? known) && ReferenceEquals(known, domain)
                && _domains.Remove(domain.Name);
        }
    }

    /// <summary>A snapshot of the defined domains, ordered by name.</summary>
    public IReadOnlyList<Domain> Domains
    {
        get
        {
            using (DriverLock.Lock())
            {
                return _domains.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
            }
        }
    }
}
