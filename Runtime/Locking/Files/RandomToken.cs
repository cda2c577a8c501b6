using System;
using System.Security.Cryptography;

namespace Toolstack.Runtime;

/// <summary>
/// An unguessable name part: 128 random bits as 32 lowercase hex digits. Used where a name must
/// not be predictable (a config write's temporary file) or must be told apart from every other
/// (a hot-plug insert's token).
/// </summary>
internal static class RandomToken
{
    /// <summary>Characters in a token.</summary>
    internal const int Length = 32;

    /// <summary>A fresh token.</summary>
    internal static string New() => RandomNumberGenerator.GetHexString(Length, lowercase: true);

    /// <summary>Whether <paramref name="text"/> has the shape of a token (not whether it was issued).</summary>
    internal static bool Is(ReadOnlySpan<char> text) =>
        text.Length == Length && !text.ContainsAnyExcept("0123456789abcdef");
}
