using System;
using System.Threading;
using System.Threading.Tasks;

namespace Toolstack.Runtime;

/// <summary>
/// One domain object (libvirt's virDomainObj): its lock, its recorded state, its QMP connection
/// and its jobs.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="State"/>, <see cref="Monitor"/> and <see cref="IsActive"/> are guarded by
/// <see cref="StateLock"/>: read and change them only while holding it (TSL1008 checks callers;
/// the getters and setters check it at run time too). Their backing fields are
/// <see cref="GuardedByAttribute"/> the same lock (TSL1010 checks this class's own code).
/// </para>
/// <para>
/// Changing the domain follows libvirt's pattern: begin a job with no short lock held, take the
/// domain lock, check the state, <see cref="EnterMonitor"/> (which gives the domain lock up while
/// QMP runs), make the QMP calls, <see cref="ExitMonitor"/> (which takes it back and tells whether
/// the domain survived), update the state, release the lock, end the job.
/// </para>
/// </remarks>
public sealed class Domain
{
    private readonly SemaphoreSlim _jobGate = new(1, 1);
    private DomainJob? _job;

    // The data StateLock guards, declared where it lives: the analyzer checks this class's own
    // reads and writes (TSL1010), while the public accessors keep [RequiresLock] so that callers
    // are checked (TSL1008) through wrappers too.
    [GuardedBy(nameof(StateLock))]
    private DomainRunState _state;

    [GuardedBy(nameof(StateLock))]
    private QmpClient? _monitor;

    /// <summary>Creates a shut-off domain named <paramref name="name"/>.</summary>
    /// <param name="name">The domain's name; used in messages and as its lock's name.</param>
    /// <param name="userdata">Its files for libxl-style cross-process locks and config, if it has them.</param>
    public Domain(string name, DomainUserdata? userdata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        StateLock = new DomainLock(name);
        Userdata = userdata;
        if (userdata is not null)
        {
            JsonLock = new JsonLock(userdata);
            QmpLock = new QmpLock(userdata);
        }
    }

    /// <summary>The domain's name.</summary>
    public string Name { get; }

    /// <summary>The domain object's lock: guards <see cref="State"/>, <see cref="Monitor"/>, <see cref="IsActive"/>.</summary>
    public DomainLock StateLock { get; }

    /// <summary>The domain's lock directory files, or null when it has none.</summary>
    public DomainUserdata? Userdata { get; }

    /// <summary>libxl's JSON config lock for this domain; null without <see cref="Userdata"/>.</summary>
    public JsonLock? JsonLock { get; }

    /// <summary>libxl's slow device-changes lock for this domain; null without <see cref="Userdata"/>.</summary>
    public QmpLock? QmpLock { get; }

    /// <summary>How long <see cref="BeginJobAsync"/> waits for another job by default (libvirt: 30 s).</summary>
    public TimeSpan JobWaitLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The recorded run state. Hold <see cref="StateLock"/>.</summary>
    public DomainRunState State
    {
        [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
        get
        {
            EnsureLocked();
            return _state;
        }

        [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
        set
        {
            EnsureLocked();
            _state = value;
        }
    }

    /// <summary>True while a QEMU process runs for the domain (running or paused). Hold <see cref="StateLock"/>.</summary>
    public bool IsActive
    {
        [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
        get
        {
            EnsureLocked();
            return _state is DomainRunState.Running or DomainRunState.Paused;
        }
    }

    /// <summary>The domain's QMP connection, or null when none is attached. Hold <see cref="StateLock"/>.</summary>
    public QmpClient? Monitor
    {
        [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
        get
        {
            EnsureLocked();
            return _monitor;
        }
    }

    /// <summary>
    /// Attaches the QMP connection of the domain's QEMU and records it as <paramref name="state"/>.
    /// When the connection ends without the domain being shut off, the domain becomes
    /// <see cref="DomainRunState.Crashed"/> (libvirt's monitor EOF handling). Hold <see cref="StateLock"/>.
    /// </summary>
    [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
    public void AttachMonitor(QmpClient monitor, DomainRunState state = DomainRunState.Running)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        EnsureLocked();
        _monitor = monitor;
        _state = state;
        WatchMonitor(monitor);
    }

    /// <summary>
    /// Records that the domain was shut off on purpose and forgets its QMP connection (which the
    /// caller disposes). Hold <see cref="StateLock"/>.
    /// </summary>
    [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
    public void MarkShutoff()
    {
        EnsureLocked();
        _monitor = null;
        _state = DomainRunState.Shutoff;
    }

    /// <summary>
    /// Begins a job, waiting (without a thread, and without holding the domain lock) while another
    /// job runs, at most <paramref name="waitLimit"/> (default <see cref="JobWaitLimit"/>).
    /// </summary>
    /// <exception cref="DomainJobTimeoutException">Another job held the domain for the whole wait.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled first.</exception>
    [RequiresUnlocked]
    public async Task<DomainJob> BeginJobAsync(DomainJobKind kind, TimeSpan? waitLimit = null, CancellationToken ct = default)
    {
        TimeSpan limit = waitLimit ?? JobWaitLimit;
        if (!await _jobGate.WaitAsync(limit, ct).ConfigureAwait(false))
        {
            throw new DomainJobTimeoutException(Name, kind, limit, Volatile.Read(ref _job));
        }

        var job = new DomainJob(this, kind);
        Volatile.Write(ref _job, job);
        return job;
    }

    /// <summary>
    /// Enters the monitor for <paramref name="job"/>: gives up <see cref="StateLock"/> (whose
    /// handle stays the caller's) so QMP calls may wait on QEMU without stalling readers of the
    /// domain, and returns the connection to call. Leave with <see cref="ExitMonitor"/>.
    /// </summary>
    /// <exception cref="DomainJobException">The job is not this domain's current job, or its monitor is already entered.</exception>
    /// <exception cref="InvalidOperationException">The domain has no QMP connection (not running).</exception>
    /// <exception cref="LockNotHeldException"><see cref="StateLock"/> is not held.</exception>
    [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
    [ReleasesLock(typeof(DomainLock), Lock = nameof(StateLock))]
    public QmpClient EnterMonitor(DomainJob job)
    {
        CheckCurrent(job);
        if (job.SuspendedHandle is not null)
        {
            throw new DomainJobException($"The monitor of domain '{Name}' is already entered by {job}.");
        }

        EnsureLocked();
        QmpClient monitor = _monitor
            ?? throw new InvalidOperationException($"Domain '{Name}' has no QMP connection: it is {_state}.");
        job.SuspendedHandle = StateLock.Suspend();
        return monitor;
    }

    /// <summary>
    /// Leaves the monitor: takes <see cref="StateLock"/> back into the caller's handle.
    /// </summary>
    /// <returns>False when the domain died while the monitor was entered (its QEMU went away).</returns>
    /// <exception cref="DomainJobException">The monitor was not entered by <paramref name="job"/>.</exception>
    [AcquiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
    public bool ExitMonitor(DomainJob job)
    {
        CheckCurrent(job);
        LockHandle handle = job.SuspendedHandle
            ?? throw new DomainJobException($"The monitor of domain '{Name}' was not entered by {job}.");
        job.SuspendedHandle = null;
        if (!StateLock.Resume(handle))
        {
            throw new DomainJobException($"The domain lock handle of '{Name}' was released while its monitor was entered.");
        }

        // The connection may have closed before the watcher got the lock: look at it directly.
        if (_monitor is { IsConnected: false } closed)
        {
            NoteMonitorClosed(closed);
        }

        return _state is DomainRunState.Running or DomainRunState.Paused;
    }

    /// <inheritdoc />
    public override string ToString() => $"domain '{Name}'";

    internal void EndJob(DomainJob job)
    {
        if (job.SuspendedHandle is { } handle)
        {
            // Ended inside the monitor (an exception skipped ExitMonitor): the lock is already given up.
            job.SuspendedHandle = null;
            handle.Dispose();
        }

        Interlocked.CompareExchange(ref _job, null, job);
        _jobGate.Release();
    }

    private void CheckCurrent(DomainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!ReferenceEquals(job.Domain, this) || !job.IsActive || !ReferenceEquals(Volatile.Read(ref _job), job))
        {
            throw new DomainJobException($"{job} is not the current job of domain '{Name}'.");
        }
    }

    private void EnsureLocked()
    {
        if (!StateLock.IsHeldByCurrentThread)
        {
            throw StateLock.NotHeldByCurrentThread();
        }
    }

    /// <summary>
    /// When <paramref name="monitor"/> closes, takes the domain lock on a pool thread and notes it.
    /// Never inline: the connection may already be closed, and the caller of
    /// <see cref="AttachMonitor"/> holds the (non-re-entrant) domain lock; nor on the thread that
    /// closes the connection, which may hold it too. libvirt handles monitor EOF on its event loop.
    /// The caller's execution context does not flow either: the watcher is a flow of its own, and
    /// the lock validator must not think it holds the caller's locks.
    /// </summary>
    private void WatchMonitor(QmpClient monitor)
    {
        using (ExecutionContext.SuppressFlow())
        {
            _ = monitor.Closed.ContinueWith(
                static (_, state) =>
                {
                    var (domain, closed) = ((Domain, QmpClient))state!;
                    using (domain.StateLock.Lock())
                    {
                        domain.NoteMonitorClosed(closed);
                    }
                },
                (this, monitor),
                CancellationToken.None,
                TaskContinuationOptions.DenyChildAttach,
                TaskScheduler.Default);
        }
    }

    /// <summary>QEMU went away without the domain being shut off: it crashed (libvirt's monitor EOF).</summary>
    [RequiresLock(typeof(DomainLock), Lock = nameof(StateLock))]
    private void NoteMonitorClosed(QmpClient monitor)
    {
        if (ReferenceEquals(_monitor, monitor))
        {
            _monitor = null;
            if (_state is DomainRunState.Running or DomainRunState.Paused)
            {
                _state = DomainRunState.Crashed;
            }
        }
    }
}
