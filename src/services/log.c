/*
 * log.c - where serve's lines go: a file (--log FILE, reopened on SIGHUP so
 * logrotate needs no copytruncate), syslog (--log syslog, facility daemon,
 * with levels), or stderr - timestamped on a terminal, bare with a <N>
 * priority prefix under systemd (JOURNAL_STREAM set), which journald reads
 * as the level.  One line is one write, under a lock: the workers' lines
 * never interleave.
 */
#include "server.h"

#include "phonetrust/fileio.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

struct srv_logger {
    pthread_mutex_t lock;
    enum { TO_STDERR, TO_JOURNAL, TO_FILE, TO_SYSLOG } to;
    char path[4096];
    FILE *f;
};

int srv_logger_open(const char *spec, srv_logger **out, pt_diag *d)
{
    srv_logger *l = *out = calloc(1, sizeof *l);
    if (!l)
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    pthread_mutex_init(&l->lock, NULL);
    if (spec && !strcmp(spec, "syslog")) {
        l->to = TO_SYSLOG;
        openlog("phonetrust", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    } else if (spec) {
        l->to = TO_FILE;
        snprintf(l->path, sizeof l->path, "%s", spec);
        if (!(l->f = pt_file_open_log(spec))) {
            int rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: cannot open the log: %s", spec, strerror(errno));
            pthread_mutex_destroy(&l->lock);
            free(l);
            *out = NULL;
            return rc;
        }
    } else {
        const char *js = getenv("JOURNAL_STREAM");
        l->to = js && *js && !isatty(STDERR_FILENO) ? TO_JOURNAL : TO_STDERR;
    }
    return PT_OK;
}

int srv_logger_reopen(srv_logger *l)
{
    if (!l || l->to != TO_FILE)
        return 0;
    FILE *f = pt_file_open_log(l->path);
    if (!f)
        return -1; /* keeps writing where it was */
    pthread_mutex_lock(&l->lock);
    FILE *old = l->f;
    l->f = f;
    pthread_mutex_unlock(&l->lock);
    fclose(old);
    return 0;
}

void srv_logger_close(srv_logger *l)
{
    if (!l)
        return;
    if (l->f)
        fclose(l->f);
    if (l->to == TO_SYSLOG)
        closelog();
    pthread_mutex_destroy(&l->lock);
    free(l);
}

void srv_logger_vwrite(srv_logger *l, int level, const char *fmt, va_list ap)
{
    char line[2048];
    size_t n = 0;
    if (!l || l->to == TO_FILE || l->to == TO_STDERR) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        localtime_r(&ts.tv_sec, &tm);
        n = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
        n += (size_t)snprintf(line + n, sizeof line - n, ".%03ld ", ts.tv_nsec / 1000000);
    } else if (l->to == TO_JOURNAL) {
        n = (size_t)snprintf(line, sizeof line, "<%d>", level);
    }
    int w = vsnprintf(line + n, sizeof line - n, fmt, ap);
    n = w < 0 ? n : n + (size_t)w >= sizeof line - 1 ? sizeof line - 2 : n + (size_t)w;
    if (l && l->to == TO_SYSLOG) {
        line[n] = '\0';
        syslog(level, "%s", line);
        return;
    }
    line[n++] = '\n';
    if (l)
        pthread_mutex_lock(&l->lock);
    FILE *f = l && l->f ? l->f : stderr;
    fwrite(line, 1, n, f);
    fflush(f);
    if (l)
        pthread_mutex_unlock(&l->lock);
}
