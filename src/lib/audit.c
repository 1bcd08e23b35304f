/*
 * audit.c - the cluster's audit log (audit.h): <home>/audit.log, one
 * tab-separated line per change: time, user, exit status, command.  Tabs
 * and newlines inside a field are written as spaces, so a line is always
 * one record.
 */
#include "phonetrust/audit.h"
#include "phonetrust/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void clean(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && *src && i + 1 < n; src++)
        dst[i++] = (*src == '\t' || *src == '\n' || *src == '\r') ? ' ' : *src;
    dst[i] = '\0';
}

int pt_audit_append(const char *home, const pt_audit_entry *e, pt_diag *d)
{
    char path[4096];
    if (pt_path_join(path, sizeof path, home, "audit.log"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", home);
    char user[sizeof e->user], cmd[sizeof e->command], line[sizeof user + sizeof cmd + 64];
    clean(user, sizeof user, e->user);
    clean(cmd, sizeof cmd, e->command);
    int len = snprintf(line, sizeof line, "%s\t%s\t%d\t%s\n", e->time, user, e->exit_code, cmd);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", path, strerror(errno));
    fchmod(fd, 0640); /* whatever the umask */
    struct stat hs; /* root writing into the service user's home leaves it the service's */
    if (geteuid() == 0 && stat(home, &hs) == 0 && hs.st_uid != 0 && fchown(fd, hs.st_uid, hs.st_gid) != 0) {
        close(fd);
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", path, strerror(errno));
    }
    ssize_t w = write(fd, line, (size_t)len);
    int rc = w == len && fsync(fd) == 0 ? PT_OK : pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", path,
                                                                 w < 0 ? strerror(errno) : "short write");
    close(fd);
    return rc;
}

int pt_audit_read(const char *home, pt_audit_entry **out, size_t *n, pt_diag *d)
{
    *out = NULL;
    *n = 0;
    char path[4096];
    if (pt_path_join(path, sizeof path, home, "audit.log"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", home);
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? PT_OK : pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, have = 0;
    ssize_t len;
    int rc = PT_OK;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        char *save = NULL, *t = strtok_r(line, "\t", &save), *u = strtok_r(NULL, "\t", &save),
             *x = strtok_r(NULL, "\t", &save), *c = strtok_r(NULL, "", &save);
        if (!t || !u || !x)
            continue;
        if (*n == have) {
            pt_audit_entry *g = realloc(*out, (have = have ? 2 * have : 64) * sizeof *g);
            if (!g) {
                rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
                break;
            }
            *out = g;
        }
        pt_audit_entry *e = &(*out)[(*n)++];
        snprintf(e->time, sizeof e->time, "%s", t);
        snprintf(e->user, sizeof e->user, "%s", u);
        e->exit_code = atoi(x);
        snprintf(e->command, sizeof e->command, "%s", c ? c : "");
    }
    free(line);
    fclose(f);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
