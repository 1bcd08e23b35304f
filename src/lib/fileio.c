/*
 * fileio.c - whole-file reads and atomic writes (see fileio.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "phonetrust/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Regular files only: a FIFO would block the open (and a reader waiting for
 * a writer is a hang), a device may never end. O_NONBLOCK makes the open of
 * a FIFO return at once so that fstat can refuse it; it is no-op for a
 * regular file. */
int pt_file_read(const char *path, uint8_t **data, size_t *len, size_t max, pt_diag *d)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "not a regular file (%s)",
                           S_ISDIR(st.st_mode)    ? "a directory"
                           : S_ISFIFO(st.st_mode) ? "a FIFO"
                           : S_ISSOCK(st.st_mode) ? "a socket"
                                                  : "a device");
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET,
                           "file is %lld bytes; the limit is %zu", (long long)st.st_size, max);
    }
    size_t cap = (size_t)st.st_size;
    uint8_t *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    }
    size_t got = 0;
    while (got < cap) { /* a file that shrinks under us ends early; one that grows is read as it was */
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "read failed: %s", strerror(e));
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = 0;
    *data = buf;
    *len = got;
    return PT_OK;
}

/* flush(directory fd): syncfs for the whole file system, fsync for the directory */
static int flush_dir(const char *dir, int (*flush)(int), pt_diag *d)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && flush(fd) == 0;
    if (fd >= 0)
        close(fd);
    return ok ? PT_OK : pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: cannot flush: %s", dir, strerror(errno));
}

int pt_sync_fs(const char *path, pt_diag *d) { return flush_dir(path, syncfs, d); }
int pt_sync_dir(const char *dir, pt_diag *d) { return flush_dir(dir, fsync, d); }

int pt_path_join(char *out, size_t n, const char *a, const char *b)
{
    int k = snprintf(out, n, "%s/%s", a, b);
    return k >= 0 && (size_t)k < n ? PT_OK : PT_ERR_ARG;
}

int pt_is_temp_name(const char *name)
{
    return name[0] == '.' && strstr(name, ".tmp.") != NULL;
}

const char *pt_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int pt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         pt_diag *d)
{
    return pt_file_write_atomic_flags(path, data, len, mode, 0, d);
}

int pt_file_write_atomic_flags(const char *path, const void *data, size_t len, mode_t mode, int flags,
                               pt_diag *d)
{
    int sync = !(flags & PT_WRITE_NO_SYNC);
    if ((flags & PT_WRITE_FRESH) && !sync) {
        int fd = -1, err = 0;
        if (unlink(path) != 0 && errno != ENOENT)
            err = errno;
        else if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)) < 0)
            err = errno;
        else if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0)
            err = errno;
        if (fd >= 0 && close(fd) != 0 && !err)
            err = errno;
        if (err) {
            if (fd >= 0)
                unlink(path);
            return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "write failed: %s", strerror(err));
        }
        return PT_OK;
    }
    /* ".<name>.tmp.XXXXXX" beside it: hidden, so a crash's leftover is never served */
    char tmp[PATH_MAX];
    const char *base = pt_basename(path);
    if (snprintf(tmp, sizeof tmp, "%.*s.%s.tmp.XXXXXX", (int)(base - path), path, base) >= (int)sizeof tmp)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create a temporary file beside it: %s",
                           strerror(errno));
    int err = 0;
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || (sync && fsync(fd) != 0))
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "write failed (the previous file is unchanged): %s",
                           strerror(err));
    }
    if (!sync)
        return PT_OK;
    /* Make the rename itself durable. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    pt_sync_dir(dir, NULL); /* best effort, as the file itself is in place */
    return PT_OK;
}

FILE *pt_file_open_log(const char *path)
{
    /* created 0640 at most, whatever the umask (which can only take bits away) */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "a");
    if (!f)
        close(fd);
    return f;
}

void pt_file_append_line(const char *path, const char *stamp, const char *fmt, va_list ap)
{
    FILE *f = pt_file_open_log(path);
    if (!f)
        return;
    fprintf(f, "%s ", stamp);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    fclose(f);
}
