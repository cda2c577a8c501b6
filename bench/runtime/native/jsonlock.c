/* The libxl lock-file protocol in C, for bench/runtime's JsonLock ratios (built by bench/runtime/run).
 * minimal: libxl__lock_file/unlock as libxl does it: open, flock, fstat, stat, unlink, close.
 * full: the same syscalls Toolstack's JsonLock makes (issue 8's safety, issue 10's cuts: O_NOFOLLOW|
 * O_CLOEXEC opens, fstat-verified owner/type/mode whose identity serves the later path checks (lstat
 * only), the domain record lstat'ed once after the flock, euid read once, release under the directory
 * guard, whose descriptor is kept open), so the C# overhead and the cost of the extra safety are separable. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int lock_ex(int fd) { int r; do r = flock(fd, LOCK_EX); while (r != 0 && errno == EINTR); return r; }

int minimal_acquire(const char *path)
{
    for (;;) {
        int fd = open(path, O_RDWR | O_CREAT, 0666);
        if (fd < 0) return -1;
        if (lock_ex(fd) != 0) { close(fd); return -1; }
        struct stat a, b;
        if (fstat(fd, &a) != 0) { close(fd); return -1; }
        if (stat(path, &b) != 0) { close(fd); if (errno == ENOENT) continue; return -1; }
        if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) return fd;
        close(fd);
    }
}

void minimal_release(const char *path, int fd) { unlink(path); close(fd); }

static uid_t euid(void) { static uid_t e = (uid_t)-1; if (e == (uid_t)-1) e = geteuid(); return e; }

static int plain_file_of_ours(const struct stat *s)
{
    return S_ISREG(s->st_mode) && s->st_uid == euid() && !(s->st_mode & (S_IWGRP | S_IWOTH)) && s->st_nlink <= 1;
}

/* open O_NOFOLLOW|O_CLOEXEC, keep it only if fstat says it is a plain file of ours; *id gets its identity */
static int verified_open(const char *path, int flags, struct stat *id)
{
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (fstat(fd, id) != 0 || !plain_file_of_ours(id)) { close(fd); return -1; }
    return fd;
}

/* the domain record: one lstat (never follows a symlink) */
static int exists(const char *record)
{
    struct stat s;
    return lstat(record, &s) == 0 && plain_file_of_ours(&s);
}

/* the path still names the file whose identity was taken at open: one lstat */
static int names(const struct stat *id, const char *path)
{
    struct stat b;
    if (lstat(path, &b) != 0) return 0;
    return id->st_dev == b.st_dev && id->st_ino == b.st_ino;
}

int full_acquire(const char *path, const char *record, struct stat *id)
{
    for (;;) {
        int fd = verified_open(path, O_RDWR | O_CREAT, id);
        if (fd < 0) return -1;
        if (lock_ex(fd) != 0) { close(fd); return -1; }
        if (!names(id, path)) { close(fd); continue; }
        if (!exists(record)) { close(fd); return -2; }
        return fd;
    }
}

/* the directory guard, kept open per process as Toolstack keeps it: a mutex for threads (they share
 * the open file description), flock, then the path must still name the kept file, else reopen */
static pthread_mutex_t guard_threads = PTHREAD_MUTEX_INITIALIZER;
static int guard_fd = -1;
static struct stat guard_id;

static int guard_take(const char *guard)
{
    pthread_mutex_lock(&guard_threads);
    for (;;) {
        if (guard_fd < 0 && (guard_fd = verified_open(guard, O_RDWR | O_CREAT, &guard_id)) < 0) break;
        if (lock_ex(guard_fd) != 0) break;
        if (names(&guard_id, guard)) return 0;
        close(guard_fd); guard_fd = -1;
    }
    if (guard_fd >= 0) { close(guard_fd); guard_fd = -1; }
    pthread_mutex_unlock(&guard_threads);
    return -1;
}

static void guard_give(void)
{
    if (flock(guard_fd, LOCK_UN) != 0) { close(guard_fd); guard_fd = -1; }
    pthread_mutex_unlock(&guard_threads);
}

void full_release(const char *path, const char *guard, int fd, const struct stat *id)
{
    if (guard_take(guard) == 0) {
        if (names(id, path)) unlink(path);
        guard_give();
    }
    close(fd);
}
