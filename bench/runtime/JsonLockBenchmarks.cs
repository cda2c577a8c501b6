using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Toolstack.Runtime;

namespace Toolstack.Bench.Runtime;

/// <summary>
/// JsonLock acquire+release against libxl's minimal protocol in C (target at most 1.2×) and
/// against a C version of Toolstack's full protocol (O_NOFOLLOW, fstat checks, the domain record,
/// the directory guard): the first ratio is the whole price, the second the price of C#.
/// </summary>
[MemoryDiagnoser]
public unsafe class JsonLockBenchmarks
{
    private string _directory = "";
    private DomainUserdata _userdata = null!;
    private JsonLock _lock = null!;
    private byte[] _cLockPath = [];
    private byte[] _cRecordPath = [];
    private byte[] _guardPath = [];
    private readonly byte[] _cId = new byte[NativeJsonLock.StatSize];

    [GlobalSetup]
    public void Setup()
    {
        LockValidator.IsEnabled = false;
        // Under the user's own 0700 directory: DomainUserdata refuses directories others control.
        _directory = Directory.CreateTempSubdirectory("tsbench-").FullName;
        _userdata = new DomainUserdata(_directory, "1.bench");
        _userdata.Create();
        _lock = new JsonLock(_userdata);
        // The C variants use the same directory and a lock file of their own, so nothing is shared but the disk.
        _cLockPath = NativeJsonLock.Utf8(Path.Combine(_userdata.LockDirectory, "userdata-l.2.bench.domain-userdata-lock"));
        _cRecordPath = NativeJsonLock.Utf8(_userdata.RecordPath);
        _guardPath = NativeJsonLock.Utf8(Path.Combine(_userdata.LockDirectory, DomainUserdata.DirectoryGuardFileName));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _userdata.Destroy();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public void CMinimalProtocol()
    {
        fixed (byte* path = _cLockPath)
        {
            int fd = NativeJsonLock.MinimalAcquire(path);
            if (fd < 0)
            {
                throw new InvalidOperationException("minimal_acquire failed");
            }

            NativeJsonLock.MinimalRelease(path, fd);
        }
    }

    [Benchmark]
    public void CFullProtocol()
    {
        fixed (byte* path = _cLockPath)
        fixed (byte* record = _cRecordPath)
        fixed (byte* guard = _guardPath)
        fixed (byte* id = _cId)
        {
            int fd = NativeJsonLock.FullAcquire(path, record, id);
            if (fd < 0)
            {
                throw new InvalidOperationException("full_acquire failed");
            }

            NativeJsonLock.FullRelease(path, guard, fd, id);
        }
    }

    [Benchmark]
    public void JsonLockLockUnlock()
    {
        LockHandle handle = _lock.Lock();
        _lock.Unlock(handle);
    }
}
