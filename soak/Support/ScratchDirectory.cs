namespace Toolstack.Soak.Support;

/// <summary>A temporary directory deleted on Dispose; registered with <see cref="Reaper"/>, so an interrupted run removes it too.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory(string prefix)
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Note($"could not remove {Path}: {e.Message}");
        }
    }
}
