using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Toolstack.Runtime;

/// <summary>
/// Turns a config file's bytes into a <see cref="DomainConfig"/> that every reader can trust, or
/// an <see cref="InvalidDataException"/> naming the file: a config that only half parses must
/// never reach a writer, which would spread the damage (or a NullReferenceException) further.
/// </summary>
internal static class DomainConfigValidation
{
    private static readonly JsonSerializerOptions s_strict = new()
    {
        // Two "disks" (or two "vdev") in one object: which one is meant cannot be known.
        AllowDuplicateProperties = false,
    };

    /// <summary>Parses and validates <paramref name="bytes"/>, the contents of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not JSON, not one config object, or a shape the hot-plug cannot act on.</exception>
    public static DomainConfig Parse(byte[] bytes, string path)
    {
        DomainConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<DomainConfig>(bytes, s_strict);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or DecoderFallbackException)
        {
            throw Invalid(path, e.Message, e);
        }

        if (config is null)
        {
            throw Invalid(path, "the document is null");
        }

        if (config.Disks.IsDefault)
        {
            throw Invalid(path, "\"disks\" is null");
        }

        var devices = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < config.Disks.Length; i++)
        {
            DiskConfig? disk = config.Disks[i];
            if (disk is null)
            {
                throw Invalid(path, $"disk {i} is null");
            }

            if (string.IsNullOrWhiteSpace(disk.Device))
            {
                throw Invalid(path, $"disk {i} has no \"vdev\"");
            }

            if (!devices.Add(disk.Device))
            {
                throw Invalid(path, $"device '{disk.Device}' is recorded twice");
            }

            CheckMedium(path, disk, "pdev_path", disk.Medium);
            CheckMedium(path, disk, "pending", disk.Pending);
        }

        return config;
    }

    private static void CheckMedium(string path, DiskConfig disk, string member, MediumConfig? medium)
    {
        if (medium is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(medium.Path) || !System.IO.Path.IsPathFullyQualified(medium.Path))
        {
            throw Invalid(path, $"the \"{member}\" medium of device '{disk.Device}' has no absolute \"path\"");
        }

        if (string.IsNullOrEmpty(medium.Format))
        {
            throw Invalid(path, $"the \"{member}\" medium of device '{disk.Device}' has no \"format\"");
        }

        if (medium.Token is string token && !RandomToken.Is(token))
        {
            throw Invalid(path, $"the \"{member}\" medium of device '{disk.Device}' has token '{token}', not {RandomToken.Length} lowercase hex digits");
        }

        if (medium.FdSet is < 0)
        {
            throw Invalid(path, $"the \"{member}\" medium of device '{disk.Device}' names fd set {medium.FdSet}");
        }
    }

    private static InvalidDataException Invalid(string path, string why, Exception? inner = null) =>
        new($"Domain config '{path}' is not valid: {why}.", inner);
}
