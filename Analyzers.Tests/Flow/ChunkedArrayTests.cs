using Toolstack.Analyzers.Flow;

namespace Toolstack.Analyzers.Tests.Flow;

/// <summary>
/// The copy-on-write array under every lock state: a clone shares everything, a write copies one
/// chunk and never shows through another clone, joins and comparisons skip shared chunks, and
/// indices either side of a chunk boundary (63, 64) are kept apart.
/// </summary>
public class ChunkedArrayTests
{
    private const int Size = ChunkedArray<int>.ChunkSize;

    [Fact]
    public void Unwritten_ReadsTheFill_AndLengthGrowsByWholeChunks()
    {
        var array = new ChunkedArray<int>(-1);
        Assert.Equal(0, array.Length);
        Assert.Equal(-1, array[1000]);
        Assert.True(array.IsFillChunk(0));
        Assert.True(array.ChunkItems(0).IsEmpty);

        array.Set(Size + 1, 7);
        Assert.Equal(2 * Size, array.Length);
        Assert.Equal(7, array[Size + 1]);
        Assert.Equal(-1, array[Size]);
        Assert.True(array.IsFillChunk(0));
        Assert.False(array.IsFillChunk(Size));
        Assert.Equal(Size, array.ChunkItems(Size).Length);
    }

    [Fact]
    public void Clone_SharesEveryChunk_UntilAWrite()
    {
        ChunkedArray<int> original = Filled(3 * Size);
        ChunkedArray<int> clone = original.Clone();
        Assert.True(clone.SharesAllWith(original));

        clone.Set(Size + 5, 99);

        Assert.False(clone.SharesAllWith(original));
        Assert.True(clone.SharesChunkWith(original, 0));
        Assert.False(clone.SharesChunkWith(original, Size + 5));
        Assert.True(clone.SharesChunkWith(original, 2 * Size));
        Assert.Equal(99, clone[Size + 5]);
        Assert.Equal(Size + 5, original[Size + 5]);
        Assert.Equal(Size + 6, clone[Size + 6]);
    }

    [Fact]
    public void WriteAfterClone_NeverShowsThroughEitherSide()
    {
        ChunkedArray<int> a = Filled(2 * Size);
        ChunkedArray<int> b = a.Clone();
        b.Set(3, 30);
        b.Set(4, 40); // in place: b made this chunk itself

        // b's chunk is shared again once b is cloned: neither may write it in place any more.
        ChunkedArray<int> c = b.Clone();
        b.Set(3, 31);
        c.Set(4, 41);
        a.Set(3, 32);

        Assert.Equal((32, 4), (a[3], a[4]));
        Assert.Equal((31, 40), (b[3], b[4]));
        Assert.Equal((30, 41), (c[3], c[4]));
    }

    [Fact]
    public void JoinWith_SkipsSharedChunks_AndJoinsEitherSideOfABoundary()
    {
        var mine = new ChunkedArray<int>(0);
        mine.Set(Size - 1, 1);
        mine.Set(3 * Size, 1);
        ChunkedArray<int> theirs = mine.Clone();
        theirs.Set(Size, 2);
        theirs.Set(Size - 1, 4);

        var visited = new List<int>();
        bool changed = mine.JoinWith(theirs,
            (m, t) => { visited.Add(visited.Count); return !m.SequenceEqual(t); },
            (m, t) => { for (int i = 0; i < m.Length; i++) { m[i] |= t[i]; } });

        Assert.True(changed);
        Assert.Equal(2, visited.Count); // chunks 0 and 1 differ; chunk 3 is shared, chunk 2 is fill on both sides
        Assert.Equal(5, mine[Size - 1]);
        Assert.Equal(2, mine[Size]);
        Assert.Equal(1, mine[3 * Size]);
        Assert.Equal(4, theirs[Size - 1]); // theirs is untouched
    }

    [Fact]
    public void JoinWith_NothingNew_ChangesNothing_AndKeepsChunksShared()
    {
        ChunkedArray<int> mine = Filled(Size);
        ChunkedArray<int> theirs = mine.Clone();
        bool changed = mine.JoinWith(theirs, (_, _) => throw new InvalidOperationException("shared chunk compared"),
            (_, _) => throw new InvalidOperationException("shared chunk joined"));
        Assert.False(changed);
        Assert.True(mine.SharesAllWith(theirs));
    }

    [Fact]
    public void ContentHash_FollowsContent_NotChunkIdentity_AndIsRecomputedAfterAWrite()
    {
        var a = new ChunkedArray<int>(0);
        var b = new ChunkedArray<int>(0);
        a.Set(Size - 1, 5);
        b.Set(Size - 1, 5);
        Assert.Equal(a.ContentHash(v => v), b.ContentHash(v => v));

        var c = new ChunkedArray<int>(0);
        c.Set(Size, 5);
        Assert.NotEqual(a.ContentHash(v => v), c.ContentHash(v => v));

        int before = a.ContentHash(v => v);
        a.Set(Size - 1, 6);
        Assert.NotEqual(before, a.ContentHash(v => v));
        b.Set(Size - 1, 6);
        Assert.Equal(a.ContentHash(v => v), b.ContentHash(v => v));
    }

    [Fact]
    public void LockStates_EqualAndHashAlike_AcrossChunkBoundaries()
    {
        LockState first = StateWith((Size - 1, LockStatus.Held), (Size, LockStatus.Released));
        LockState second = StateWith((Size, LockStatus.Released), (Size - 1, LockStatus.Held));
        Assert.True(first.Equals(second));
        Assert.Equal(first.GetHashCode(), second.GetHashCode());

        LockState moved = StateWith((Size - 1, LockStatus.Held), (Size + 1, LockStatus.Released));
        Assert.False(first.Equals(moved));

        // A clone written back to the same content is equal again, though it no longer shares the chunk.
        LockState clone = first.Clone();
        clone.SetStatus(Size, LockStatus.Held);
        Assert.False(clone.Equals(first));
        clone.SetStatus(Size, LockStatus.Released);
        Assert.False(clone.SharesStatusChunkWith(first, Size));
        Assert.True(clone.Equals(first));
        Assert.Equal(first.GetHashCode(), clone.GetHashCode());
    }

    [Fact]
    public void LockState_MayBeHeldBelow_SkipsReleasedChunks_AndFindsHeldOnesPastThem()
    {
        var state = new LockState();
        for (int i = 0; i < 2 * Size; i++)
        {
            state.SetStatus(i, LockStatus.Released);
        }

        state.SetStatus((2 * Size) + 3, LockStatus.Escaped);
        state.SetStatus(Size - 1, LockStatus.Held | LockStatus.Released);

        Assert.Equal(new[] { Size - 1, (2 * Size) + 3 }, state.MayBeHeldBelow(3 * Size).ToArray());
        Assert.Equal(new[] { Size - 1 }, state.MayBeHeldBelow(2 * Size).ToArray());
    }

    private static ChunkedArray<int> Filled(int count)
    {
        var array = new ChunkedArray<int>(0);
        for (int i = 0; i < count; i++)
        {
            array.Set(i, i);
        }

        return array;
    }

    private static LockState StateWith(params (int Index, LockStatus Status)[] statuses)
    {
        var state = new LockState();
        foreach ((int index, LockStatus status) in statuses)
        {
            state.SetStatus(index, status);
        }

        return state;
    }
}
