/* The libxl lock-file protocol in C, for bench/runtime's JsonLock ratios (built by bench/runtime/run).
 * minimal: libxl__lock_file/unlock as libxl does it: open, flock, fstat, stat, unlink, close.
 * full: the same syscalls Toolstack's JsonLock makes since issue 8 (O_NOFOLLOW|O_CLOEXEC opens,
 * fstat-verified owner/type/mode, the domain record checked before and after the flock, release
 * under the directory guard), so the C# overhead and the cost of the extra safety are separable. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

static int verified_open(const char *path, int flags)
{
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    struct stat s;
    if (fstat(fd, &s) != 0 || !S_ISREG(s.st_mode) || s.st_uid != geteuid()
        || (s.st_mode & (S_IWGRP | S_IWOTH)) || s.st_nlink > 1) { close(fd); return -1; }
    return fd;
}

static int exists(const char *record)
{
    int fd = verified_open(record, O_RDONLY);
    if (fd < 0) return 0;
    close(fd);
    return 1;
}

static int names_same(int fd, const char *path)
{
    struct stat a, b;
    if (fstat(fd, &a) != 0 || lstat(path, &b) != 0) return 0;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int full_acquire(const char *path, const char *record)
{
    for (;;) {
        if (!exists(record)) return -2;
        int fd = verified_open(path, O_RDWR | O_CREAT);
        if (fd < 0) return -1;
        if (lock_ex(fd) != 0) { close(fd); return -1; }
        if (!names_same(fd, path)) { close(fd); continue; }
        if (!exists(record)) { close(fd); return -2; }
        return fd;
    }
}

void full_release(const char *path, const char *guard, int fd)
{
    int g = verified_open(guard, O_RDWR | O_CREAT);
    if (g >= 0 && lock_ex(g) == 0 && names_same(fd, path)) unlink(path);
    if (g >= 0) close(g);
    close(fd);
}
