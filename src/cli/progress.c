/*
 * progress.c - the progress bar of long work, on a terminal only (standard
 * error; nothing at all when it is not a terminal, so scripts and logs see
 * only the summary line each command ends with): count, total when known,
 * rate, redrawn at most ten times a second.
 */
#include "cli.h"

#include "phonetrust/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
    int active;
    char what[64];
    double t0, last;
} bar;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show(const char *what, size_t done, size_t total, void *arg)
{
    (void)arg;
    double t = now();
    if (!bar.active || strcmp(bar.what, what)) {
        if (bar.active)
            fputc('\n', stderr);
        bar.active = 1;
        snprintf(bar.what, sizeof bar.what, "%s", what);
        bar.t0 = t;
        bar.last = 0;
    }
    int end = total && done >= total;
    if (!end && t - bar.last < 0.1)
        return;
    bar.last = t;
    double rate = t > bar.t0 ? done / (t - bar.t0) : 0;
    if (total) {
        char b[31];
        size_t k = done >= total ? 30 : done * 30 / total;
        memset(b, '#', k);
        memset(b + k, '.', 30 - k);
        b[30] = '\0';
        fprintf(stderr, "\r[%s] %zu/%zu %s  %.0f/s ", b, done, total, what, rate);
    } else {
        fprintf(stderr, "\r%zu %s  %.0f/s ", done, what, rate);
    }
    if (end) {
        fputc('\n', stderr);
        bar.active = 0;
    }
    fflush(stderr);
}

void cli_progress_begin(void)
{
    if (isatty(STDERR_FILENO))
        pt_set_progress(show, NULL);
}

void cli_progress_end(void)
{
    if (bar.active)
        fputc('\n', stderr);
    bar.active = 0;
    pt_set_progress(NULL, NULL);
}
