using System.IO;
using Mono.Unix.Native;

namespace Toolstack.Runtime.Tests.Locking;

public sealed class DomainUserdataTests : IDisposable
{
    private const FilePermissions OwnerOnly = FilePermissions.S_IRUSR | FilePermissions.S_IWUSR;

    private readonly TempLockDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- constructor, LockDirectory, DomainId ----

    [Fact]
    public void Ctor_ValidArguments_ExposesDirectoryAndIdAndTouchesNoFile()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        Assert.Equal(_dir.Path, domain.LockDirectory);
        Assert.Equal("vm1", domain.DomainId);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Ctor_RelativeDirectory_LockDirectoryIsAbsolute()
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, _dir.Path);
        Assert.False(Path.IsPathRooted(relative));

        var domain = new DomainUserdata(relative, "vm1");

        Assert.Equal(_dir.Path, domain.LockDirectory);
        Assert.StartsWith(_dir.Path + "/", domain.JsonLockPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctor_LibxlDomidDotUuid_IsAccepted()
    {
        const string id = "7.6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

        var domain = new DomainUserdata(_dir.Path, id);

        Assert.Equal(id, domain.DomainId);
        Assert.Equal(Path.Combine(_dir.Path, $"userdata-l.{id}.domain-userdata-lock"), domain.JsonLockPath);
    }

    [Fact]
    public void Ctor_NullDirectory_ThrowsArgumentNullException()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new DomainUserdata(null!, "vm1"));
        Assert.Equal("lockDirectory", e.ParamName);
    }

    [Fact]
    public void Ctor_NullDomainId_ThrowsArgumentNullException()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new DomainUserdata(_dir.Path, null!));
        Assert.Equal("domainId", e.ParamName);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Ctor_EmptyDirectory_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => new DomainUserdata("", "vm1"));
        Assert.Equal("lockDirectory", e.ParamName);
    }

    public static TheoryData<string> BadDomainIds => new()
    {
        "a/b",
        "/etc/passwd",
        "a\\b",
        "..",
        ".",
        ".hidden",
        "a..b",
        "../x",
        "",
        new string('a', DomainUserdata.MaxDomainIdLength + 1),
        "a\nb",
        "a\tb",
        "\u007f",
        "a\0b",
        "\0",
        "vm 1",
        "vm*",
        "vm?",
        "v\u00e9m",
    };

    [Theory]
    [MemberData(nameof(BadDomainIds))]
    public void Ctor_BadDomainId_ThrowsArgumentExceptionBeforeTouchingAnyFile(string id)
    {
        var e = Assert.Throws<ArgumentException>(() => new DomainUserdata(_dir.Path, id));

        Assert.Equal("domainId", e.ParamName);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Ctor_BadDomainIdAndMissingDirectory_ReportsTheIdFirst()
    {
        // The identifier is checked before the directory is even looked at.
        string missing = Path.Combine(_dir.Path, "missing");

        Assert.Throws<ArgumentException>(() => new DomainUserdata(missing, "../../etc"));
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void Ctor_BadDomainId_MessageSaysWhy()
    {
        var e = Assert.Throws<ArgumentException>(() => new DomainUserdata(_dir.Path, "a/b"));
        Assert.Contains("'/'", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => new DomainUserdata(_dir.Path, new string('x', 129)));
        Assert.Contains("129", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxDomainIdLength_IdOfExactlyThatLength_WorksEndToEnd()
    {
        Assert.Equal(128, DomainUserdata.MaxDomainIdLength);
        string id = new('a', DomainUserdata.MaxDomainIdLength);

        var domain = new DomainUserdata(_dir.Path, id);
        domain.Create();
        using (new JsonLock(domain).Lock())
        {
            Assert.True(File.Exists(domain.JsonLockPath));
        }

        using (await new QmpLock(domain).LockAsync())
        {
            Assert.True(File.Exists(domain.QmpLockPath));
        }

        domain.Destroy();
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Ctor_MissingDirectory_ThrowsLockDirectoryException()
    {
        string missing = Path.Combine(_dir.Path, "missing");

        var e = Assert.Throws<LockDirectoryException>(() => new DomainUserdata(missing, "vm1"));

        Assert.Equal(missing, e.Directory);
        Assert.Equal("ENOENT", e.Errno);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void Ctor_RegularFileAsDirectory_ThrowsLockDirectoryException()
    {
        string file = _dir.Touch("not-a-directory");

        var e = Assert.Throws<LockDirectoryException>(() => new DomainUserdata(file, "vm1"));

        Assert.Equal(file, e.Directory);
        Assert.Equal("ENOTDIR", e.Errno);
        Assert.Contains("not a directory", e.Message, StringComparison.Ordinal);
        Assert.Equal(["not-a-directory"], _dir.Entries());
    }

    // ---- paths ----

    [Fact]
    public void Paths_FollowLibxlNaming()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        Assert.Equal($"{_dir.Path}/userdata-l.vm1.domain-userdata-lock", domain.JsonLockPath);
        Assert.Equal($"{_dir.Path}/userdata-l.vm1.libxl-device-changes-lock", domain.QmpLockPath);
        Assert.Equal($"{_dir.Path}/userdata-d.vm1.libxl-json", domain.JsonConfigPath);
    }

    [Fact]
    public void RecordPath_IsThisDomainsUserdataDistinctFromTheOthers()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        Assert.Equal(_dir.Path, Path.GetDirectoryName(domain.RecordPath));
        Assert.StartsWith("userdata-d.vm1.", Path.GetFileName(domain.RecordPath), StringComparison.Ordinal);
        string[] all = [domain.JsonLockPath, domain.QmpLockPath, domain.JsonConfigPath, domain.RecordPath];
        Assert.Equal(4, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Paths_TouchNoFile()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        _ = domain.JsonLockPath;
        _ = domain.QmpLockPath;
        _ = domain.JsonConfigPath;
        _ = domain.RecordPath;
        _ = domain.Exists;

        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void ToString_NamesDomainAndDirectory()
    {
        string text = new DomainUserdata(_dir.Path, "vm1").ToString();

        Assert.Contains("'vm1'", text, StringComparison.Ordinal);
        Assert.Contains(_dir.Path, text, StringComparison.Ordinal);
    }

    // ---- Exists, Create, Destroy ----

    [Fact]
    public void Exists_FalseBeforeCreate_TrueAfter_FalseAfterDestroy()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");
        Assert.False(domain.Exists);

        domain.Create();
        Assert.True(domain.Exists);
        Assert.True(new DomainUserdata(_dir.Path, "vm1").Exists); // another view of the same domain

        domain.Destroy();
        Assert.False(domain.Exists);
    }

    [Fact]
    public void Create_WritesOwnerOnlyRecord()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        domain.Create();

        Assert.True(File.Exists(domain.RecordPath));
        Assert.Equal(OwnerOnly, TempLockDirectory.PermissionsOf(domain.RecordPath));
        Assert.Equal([Path.GetFileName(domain.RecordPath)], _dir.Entries());
    }

    [Fact]
    public void Create_Twice_IsIdempotent()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        domain.Create();
        domain.Create();

        Assert.True(domain.Exists);
        Assert.Single(_dir.Entries());
    }

    [Fact]
    public void Create_KeepsExistingRecordContent()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");
        File.WriteAllText(domain.RecordPath, "kept");

        domain.Create();

        Assert.Equal("kept", File.ReadAllText(domain.RecordPath));
    }

    [Fact]
    public void Create_UnwritableDirectory_ThrowsLockDirectoryExceptionWithErrno()
    {
        // Root ignores permission bits, so as root use /sys, where even root cannot create files.
        string directory;
        if (Environment.IsPrivilegedProcess)
        {
            directory = "/sys";
        }
        else
        {
            directory = Directory.CreateDirectory(Path.Combine(_dir.Path, "read-only")).FullName;
            Assert.Equal(0, Syscall.chmod(directory, FilePermissions.S_IRUSR | FilePermissions.S_IXUSR));
        }

        var domain = new DomainUserdata(directory, "vm1");

        var e = Assert.Throws<LockDirectoryException>(domain.Create);

        Assert.Equal("EACCES", e.Errno);
        Assert.Equal(directory, e.Directory);
        Assert.Contains(domain.RecordPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("Permission denied", e.Message, StringComparison.Ordinal);
        Assert.False(domain.Exists);
        Assert.False(File.Exists(domain.RecordPath));
    }

    [Fact]
    public void Destroy_RemovesAllOfTheDomainsFiles()
    {
        DomainUserdata domain = _dir.Domain("vm1");
        File.WriteAllText(domain.JsonConfigPath, "{}");
        File.WriteAllBytes(domain.JsonLockPath, []);
        File.WriteAllBytes(domain.QmpLockPath, []);
        _dir.Touch("userdata-d.vm1.other-userdata"); // libxl keeps more userdata per domain

        domain.Destroy();

        Assert.False(domain.Exists);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Destroy_NeverCreated_DoesNothing()
    {
        var domain = new DomainUserdata(_dir.Path, "vm1");

        domain.Destroy();

        Assert.False(domain.Exists);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Destroy_Twice_DoesNothingTheSecondTime()
    {
        DomainUserdata domain = _dir.Domain("vm1");

        domain.Destroy();
        domain.Destroy();

        Assert.False(domain.Exists);
    }

    [Fact]
    public void Destroy_ThenCreate_DomainExistsAgainAndLocksWork()
    {
        DomainUserdata domain = _dir.Domain("vm1");
        domain.Destroy();

        domain.Create();

        Assert.True(domain.Exists);
        using LockHandle handle = new JsonLock(domain).Lock();
        Assert.True(handle.IsHeld);
    }

    [Fact]
    public void Destroy_Domain5_LeavesFilesOfDomains5abcAnd55()
    {
        string[] ids = ["5", "5.abc", "55", "5-x", "x5", "5.5"];
        var domains = ids.ToDictionary(id => id, id => _dir.Domain(id));
        foreach (DomainUserdata d in domains.Values)
        {
            File.WriteAllText(d.JsonConfigPath, "{}");
            File.WriteAllBytes(d.JsonLockPath, []);
            File.WriteAllBytes(d.QmpLockPath, []);
        }

        DomainUserdata five = domains["5"];
        string[] fivesFiles = new[] { five.RecordPath, five.JsonConfigPath, five.JsonLockPath, five.QmpLockPath }
            .Select(p => Path.GetFileName(p)).ToArray();
        string[] expected = _dir.Entries().Except(fivesFiles).ToArray();
        Assert.Equal(ids.Length * 4 - 4, expected.Length);

        five.Destroy();

        Assert.False(five.Exists);
        Assert.Equal(expected, _dir.Entries());
        foreach (string id in ids.Skip(1))
        {
            Assert.True(domains[id].Exists, id);
            Assert.True(File.Exists(domains[id].JsonConfigPath), id);
            Assert.True(File.Exists(domains[id].JsonLockPath), id);
            Assert.True(File.Exists(domains[id].QmpLockPath), id);
        }
    }

    [Fact]
    public void Destroy_Domain5abc_LeavesFilesOfDomain5()
    {
        DomainUserdata five = _dir.Domain("5");
        DomainUserdata fiveAbc = _dir.Domain("5.abc");
        File.WriteAllBytes(five.JsonLockPath, []);
        File.WriteAllBytes(fiveAbc.JsonLockPath, []);

        fiveAbc.Destroy();

        Assert.True(five.Exists);
        Assert.True(File.Exists(five.JsonLockPath));
        Assert.Equal(2, _dir.Entries().Length);
    }

    [Theory]
    [InlineData("userdata-l.5")]      // no userdata id at all
    [InlineData("userdata-l.5.")]     // empty userdata id
    [InlineData("userdata-.5.x")]     // no kind letter
    [InlineData("userdata-ll.5.x")]   // two kind letters
    [InlineData("userdata-l.5x.y")]   // another domain
    [InlineData("userdata-l.55")]
    [InlineData("xuserdata-l.5.y")]
    [InlineData("userdata-L.5")]
    public void Destroy_LeavesNamesThatAreNotThisDomainsUserdata(string name)
    {
        DomainUserdata five = _dir.Domain("5");
        _dir.Touch(name);

        five.Destroy();

        Assert.False(five.Exists);
        Assert.Equal([name], _dir.Entries());
    }

    [Fact]
    public void Destroy_RemovesAnyKindLetter()
    {
        DomainUserdata five = _dir.Domain("5");
        _dir.Touch("userdata-x.5.something");

        five.Destroy();

        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Destroy_WhileAJsonLockIsHeld_HolderReleasesWithoutError()
    {
        DomainUserdata domain = _dir.Domain("vm1");
        var json = new JsonLock(domain);
        LockHandle handle = json.Lock();

        domain.Destroy();
        Assert.False(File.Exists(domain.JsonLockPath));
        Assert.True(handle.IsHeld);

        json.Unlock(handle);
        Assert.False(handle.IsHeld);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void Exists_DirectoryReplacedByAFile_ThrowsLockDirectoryException()
    {
        // A regular file where a directory component is expected: stat fails with ENOTDIR,
        // which is not "the domain does not exist".
        DomainUserdata domain = _dir.Domain("vm1");
        string sub = Directory.CreateDirectory(Path.Combine(_dir.Path, "sub")).FullName;
        var inSub = new DomainUserdata(sub, "vm1");
        Directory.Delete(sub);
        File.WriteAllBytes(sub, []);

        var e = Assert.Throws<LockDirectoryException>(() => inSub.Exists);

        Assert.Equal("ENOTDIR", e.Errno);
        Assert.True(domain.Exists);
    }

    [Fact]
    public void Create_RecordIsRegularOwnerOnlyFile_AsStatSeesIt()
    {
        DomainUserdata domain = _dir.Domain("vm1");

        Assert.Equal(0, Syscall.stat(domain.RecordPath, out Stat stat));
        Assert.Equal(FilePermissions.S_IFREG, stat.st_mode & FilePermissions.S_IFMT);
        Assert.Equal(FilePermissions.S_IRUSR | FilePermissions.S_IWUSR, stat.st_mode & FilePermissions.ACCESSPERMS);
    }

    [Fact]
    public void Destroy_LockDirectoryRemoved_ThrowsLockDirectoryException()
    {
        string gone = System.IO.Path.Combine(_dir.Path, "gone");
        Directory.CreateDirectory(gone);
        var domain = new DomainUserdata(gone, "vm1");
        domain.Create();
        Directory.Delete(gone, recursive: true);

        var error = Assert.Throws<LockDirectoryException>(domain.Destroy);

        Assert.Contains(gone, error.Message);
    }

    [Fact]
    public void Destroy_RemovesALeftoverOfAnInterruptedConfigWrite_ButNotLookAlikes()
    {
        var domain = new DomainUserdata(_dir.Path, "5");
        domain.Create();
        File.WriteAllText(domain.JsonConfigPath + ".tmp-4242", "{");
        File.WriteAllText(domain.JsonConfigPath + ".tmp-x", "{");
        var other = new DomainUserdata(_dir.Path, "55");
        other.Create();
        File.WriteAllText(other.JsonConfigPath + ".tmp-4242", "{");

        domain.Destroy();

        Assert.False(File.Exists(domain.JsonConfigPath + ".tmp-4242"));
        Assert.True(File.Exists(domain.JsonConfigPath + ".tmp-x"));
        Assert.True(File.Exists(other.JsonConfigPath + ".tmp-4242"));
    }

    [Fact]
    public void Destroy_RemovesARandomlyNamedLeftoverOfAConfigWrite_ButNotLookAlikes()
    {
        var domain = new DomainUserdata(_dir.Path, "5");
        domain.Create();
        string hex = new string('a', 16) + "0123456789abcdef";
        string[] lookAlikes =
        [
            domain.JsonConfigPath + ".tmp-" + hex + "0",             // one digit too many
            domain.JsonConfigPath + ".tmp-" + hex.ToUpperInvariant(), // not what a write makes
            domain.JsonConfigPath + ".tmp-" + hex[..31] + "g",
        ];
        File.WriteAllText(domain.JsonConfigPath + ".tmp-" + hex, "{");
        foreach (string name in lookAlikes)
        {
            File.WriteAllText(name, "{");
        }

        domain.Destroy();

        Assert.False(File.Exists(domain.JsonConfigPath + ".tmp-" + hex));
        Assert.All(lookAlikes, name => Assert.True(File.Exists(name), name));
    }
}
