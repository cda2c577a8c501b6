using Toolstack.Runtime.Tests.Locking;

namespace Toolstack.Runtime.Tests.Hotplug;

/// <summary>
/// Every malformed config is an <see cref="InvalidDataException"/> naming the file, never a
/// NullReferenceException or a half-valid config that a later write would spread.
/// </summary>
public sealed class DomainConfigValidationTests : IDisposable
{
    private readonly TempLockDirectory _dir = new();
    private readonly DomainUserdata _domain;
    private readonly JsonLock _json;

    public DomainConfigValidationTests()
    {
        _domain = _dir.Domain("5.vm");
        _json = new JsonLock(_domain);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "null disk", """{"disks":[null]}""" },
        { "null disks", """{"disks":null}""" },
        { "null vdev", """{"disks":[{"vdev":null,"is_cdrom":true}]}""" },
        { "empty vdev", """{"disks":[{"vdev":"","is_cdrom":true}]}""" },
        { "blank vdev", """{"disks":[{"vdev":"  ","is_cdrom":true}]}""" },
        { "missing vdev", """{"disks":[{"is_cdrom":true}]}""" },
        { "duplicate devices", """{"disks":[{"vdev":"cd0","is_cdrom":true},{"vdev":"cd0","is_cdrom":true}]}""" },
        { "null medium path", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":null,"fdset":1}}]}""" },
        { "missing medium path", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"fdset":1}}]}""" },
        { "empty medium path", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"","fdset":1}}]}""" },
        { "relative medium path", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"a.iso","fdset":1}}]}""" },
        { "null pending path", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pending":{"path":null,"fdset":1}}]}""" },
        { "null format", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","format":null}}]}""" },
        { "empty format", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","format":""}}]}""" },
        { "negative fdset", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","fdset":-1}}]}""" },
        { "negative pending fdset", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pending":{"path":"/a.iso","fdset":-3}}]}""" },
        { "fdset as string", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","fdset":"1"}}]}""" },
        { "fdset as fraction", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","fdset":1.5}}]}""" },
        { "fdset too large", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","fdset":4294967296}}]}""" },
        { "vdev as number", """{"disks":[{"vdev":5}]}""" },
        { "is_cdrom as string", """{"disks":[{"vdev":"cd0","is_cdrom":"yes"}]}""" },
        { "disks as object", """{"disks":{"vdev":"cd0"}}""" },
        { "disk as array", """{"disks":[["cd0"]]}""" },
        { "medium as string", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":"/a.iso"}]}""" },
        { "null document", "null" },
        { "array document", "[]" },
        { "string document", "\"disks\"" },
        { "number document", "42" },
        { "empty file", "" },
        { "whitespace only", "  \n" },
        { "trailing garbage", """{"disks":[]} garbage""" },
        { "two documents", """{"disks":[]}{"disks":[]}""" },
        { "short token", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pending":{"path":"/a.iso","fdset":1,"token":"0123456789abcdef0123456789abcde"}}]}""" },
        { "upper-case token", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pending":{"path":"/a.iso","fdset":1,"token":"0123456789ABCDEF0123456789ABCDEF"}}]}""" },
        { "token with a colon", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","fdset":1,"token":"0123456789abcdef:0123456789abcde"}}]}""" },
        { "empty token", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pending":{"path":"/a.iso","token":""}}]}""" },
        { "token as number", """{"disks":[{"vdev":"cd0","is_cdrom":true,"pending":{"path":"/a.iso","token":5}}]}""" },
        { "truncated", """{"disks":[{"vdev":"cd0""" },
        { "duplicate property", """{"disks":[],"disks":[{"vdev":"cd0","is_cdrom":true}]}""" },
        { "duplicate vdev property", """{"disks":[{"vdev":"cd0","vdev":"hd0","is_cdrom":true}]}""" },
        { "comment", """{"disks":[] /* hi */}""" },
        { "trailing comma", """{"disks":[],}""" },
    };

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedConfig_ThrowsInvalidDataExceptionNamingTheFile(string shape, string text)
    {
        File.WriteAllText(_domain.JsonConfigPath, text);
        using LockHandle json = _json.Lock();

        Exception? error = Record.Exception(() => DomainConfigFile.Read(json));

        InvalidDataException invalid = Assert.IsType<InvalidDataException>(error, exactMatch: false);
        Assert.True(invalid.Message.Contains(_domain.JsonConfigPath, StringComparison.Ordinal), $"{shape}: {invalid.Message}");
    }

    [Fact]
    public void Read_InvalidUtf8_ThrowsInvalidDataException()
    {
        byte[] prefix = "{\"disks\":[{\"vdev\":\""u8.ToArray();
        byte[] suffix = "\",\"is_cdrom\":true}]}"u8.ToArray();
        File.WriteAllBytes(_domain.JsonConfigPath, [.. prefix, 0xff, 0xfe, .. suffix]);
        using LockHandle json = _json.Lock();

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => DomainConfigFile.Read(json));
        Assert.Contains(_domain.JsonConfigPath, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"disks":[]}""")]
    [InlineData("""{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":null,"pending":null}]}""")]
    [InlineData("""{"disks":[{"vdev":"hd0"},{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","format":"raw","fdset":0}}]}""")]
    [InlineData("""{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso"}}],"other":{"kept":"ignored"}}""")]
    [InlineData("""{"disks":[{"vdev":"cd0","is_cdrom":true,"pending":{"path":"/a.iso","token":"0123456789abcdef0123456789abcdef"}}]}""")]
    [InlineData("""{"disks":[{"vdev":"cd0","is_cdrom":true,"pdev_path":{"path":"/a.iso","fdset":2,"token":"0123456789abcdef0123456789abcdef"},"pending":{"path":"/b.iso","fdset":3,"token":"fedcba9876543210fedcba9876543210"}}]}""")]
    public void Read_WellFormedConfig_IsAccepted(string text)
    {
        File.WriteAllText(_domain.JsonConfigPath, text);
        using LockHandle json = _json.Lock();

        DomainConfig config = DomainConfigFile.Read(json);

        Assert.False(config.Disks.IsDefault);
        Assert.All(config.Disks, d => Assert.False(string.IsNullOrEmpty(d.Device)));
    }
}
