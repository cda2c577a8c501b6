namespace Toolstack.TestSupport;

/// <summary>The checkout the tests run from: samples, docs and the runtime's sources are read from it.</summary>
internal static class Repository
{
    /// <summary>The directory holding Toolstack.sln, above the test assembly.</summary>
    public static string Root()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Toolstack.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Toolstack.sln not found above " + AppContext.BaseDirectory);
    }
}
