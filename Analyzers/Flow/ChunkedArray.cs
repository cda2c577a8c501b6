using System;
using System.Threading;

namespace Toolstack.Analyzers.Flow;

/// <summary>
/// An array of flow facts that is copied per basic block: a clone shares everything, and a write
/// copies only the spine and the one chunk of 64 it touches. A whole-array copy on the first write
/// after a clone was half of a huge method's time (thousands of acquisitions, a write in most blocks);
/// joins and comparisons skip chunks both sides still share.
/// </summary>
internal sealed class ChunkedArray<T>
{
    public const int ChunkSize = 1 << Shift;
    private const int Shift = 6;

    // Stamps tell which chunks an instance may write in place: those it made since it was last cloned.
    private static int s_lastStamp;

    private readonly T _fill;

    // A null chunk holds only the fill value.
    private Chunk?[] _chunks;
    private int _stamp;
    private bool _ownsSpine;

    public ChunkedArray(T fill)
    {
        _fill = fill;
        _chunks = Array.Empty<Chunk?>();
        _stamp = NewStamp();
    }

    private ChunkedArray(T fill, Chunk?[] chunks)
    {
        _fill = fill;
        _chunks = chunks;
        _stamp = NewStamp();
    }

    /// <summary>Given the chunk of each side at one position: whether joining theirs into mine changes mine.</summary>
    public delegate bool ChunkTest(ReadOnlySpan<T> mine, ReadOnlySpan<T> theirs);

    /// <summary>Joins theirs into a writable copy of mine.</summary>
    public delegate void ChunkJoin(Span<T> mine, ReadOnlySpan<T> theirs);

    /// <summary>One past the last index that may hold something other than the fill value.</summary>
    public int Length => _chunks.Length << Shift;

    public T this[int index]
    {
        get
        {
            int chunk = index >> Shift;
            return chunk < _chunks.Length && _chunks[chunk] is { } items ? items.Items[index & (ChunkSize - 1)] : _fill;
        }
    }

    public static int ChunkEnd(int index) => ((index >> Shift) + 1) << Shift;

    public ChunkedArray<T> Clone()
    {
        _ownsSpine = false;
        _stamp = NewStamp();
        return new ChunkedArray<T>(_fill, _chunks);
    }

    public bool SharesAllWith(ChunkedArray<T> other) => ReferenceEquals(_chunks, other._chunks);

    public void Set(int index, T value) => Writable(index >> Shift)[index & (ChunkSize - 1)] = value;

    /// <summary>Whether the chunk holding <paramref name="index"/> is the same object in both (so equal).</summary>
    public bool SharesChunkWith(ChunkedArray<T> other, int index) => ReferenceEquals(ChunkAt(index >> Shift), other.ChunkAt(index >> Shift));

    /// <summary>The items of the chunk holding <paramref name="index"/>; empty if it holds only the fill value.</summary>
    public ReadOnlySpan<T> ChunkItems(int index) => ChunkAt(index >> Shift)?.Items ?? default(ReadOnlySpan<T>);

    /// <summary>Whether the chunk holding <paramref name="index"/> holds only the fill value for certain.</summary>
    public bool IsFillChunk(int index) => ChunkAt(index >> Shift) is null;

    /// <summary>Joins <paramref name="other"/> in chunk by chunk, skipping the chunks both share; true if any changed.</summary>
    public bool JoinWith(ChunkedArray<T> other, ChunkTest changes, ChunkJoin join)
    {
        bool changed = false;
        T[]? fillChunk = null;
        int chunks = Math.Max(_chunks.Length, other._chunks.Length);
        for (int c = 0; c < chunks; c++)
        {
            Chunk? mine = ChunkAt(c);
            Chunk? theirs = other.ChunkAt(c);
            if (ReferenceEquals(mine, theirs))
            {
                continue;
            }

            ReadOnlySpan<T> theirItems = theirs?.Items ?? (fillChunk ??= FillChunk());
            if (changes(mine?.Items ?? (fillChunk ??= FillChunk()), theirItems))
            {
                join(Writable(c), theirItems);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// A hash of the content, from <paramref name="elementHash"/> (0 for the fill value): cached per
    /// chunk, so states that share most chunks are hashed in a step per chunk.
    /// </summary>
    public int ContentHash(Func<T, int> elementHash)
    {
        unchecked
        {
            int hash = 0;
            for (int c = 0; c < _chunks.Length; c++)
            {
                if (_chunks[c] is not { } chunk)
                {
                    continue;
                }

                if (chunk.Hash is not int chunkHash)
                {
                    chunkHash = 0;
                    for (int j = 0; j < ChunkSize; j++)
                    {
                        chunkHash += elementHash(chunk.Items[j]) * ((j * 2) + 1);
                    }

                    chunk.Hash = chunkHash;
                }

                hash += chunkHash * ((c * 2) + 1) * -1640531535;
            }

            return hash;
        }
    }

    private static int NewStamp() => Interlocked.Increment(ref s_lastStamp);

    private Chunk? ChunkAt(int chunk) => chunk < _chunks.Length ? _chunks[chunk] : null;

    private T[] Writable(int chunk)
    {
        if (!_ownsSpine || chunk >= _chunks.Length)
        {
            var spine = new Chunk?[Math.Max(_chunks.Length, chunk + 1)];
            _chunks.AsSpan().CopyTo(spine);
            _chunks = spine;
            _ownsSpine = true;
        }

        if (_chunks[chunk] is { } owned && owned.Stamp == _stamp)
        {
            // The caller is about to write: what was hashed before no longer holds.
            owned.Hash = null;
            return owned.Items;
        }

        T[] items = _chunks[chunk] is { } shared ? (T[])shared.Items.Clone() : FillChunk();
        _chunks[chunk] = new Chunk(items, _stamp);
        return items;
    }

    private T[] FillChunk()
    {
        var items = new T[ChunkSize];
        items.AsSpan().Fill(_fill);
        return items;
    }

    private sealed class Chunk
    {
        public Chunk(T[] items, int stamp)
        {
            Items = items;
            Stamp = stamp;
        }

        public T[] Items { get; }

        public int Stamp { get; }

        /// <summary>Cached by <see cref="ContentHash"/>; cleared when the owner writes.</summary>
        public int? Hash { get; set; }
    }
}
