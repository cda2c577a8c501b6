namespace Toolstack.Runtime;

/// <summary>How <c>blockdev-change-medium</c> opens the new medium (its <c>read-only-mode</c>).</summary>
public enum QmpReadOnlyMode
{
    /// <summary><c>retain</c>: as the previous medium was opened (QEMU's default).</summary>
    Retain,

    /// <summary><c>read-only</c>: read-only, as a CD-ROM image opened read-only needs.</summary>
    ReadOnly,

    /// <summary><c>read-write</c>: writable.</summary>
    ReadWrite,
}
