/*
 * rehearse.h - a change rehearsed on a copy: the cluster home and the
 * fleet's phones are copied into a sandbox, the copy is served on free
 * loopback ports (one `serve` per node), the phones' traffic to the nodes'
 * addresses is redirected to it, and the plan (plan.h) runs step by step:
 * commands as the administrator types them, `reset` boots the whole fleet.
 * The real home, its served files and the phones' state are only read.
 */
#ifndef PHONETRUST_REHEARSE_REHEARSE_H
#define PHONETRUST_REHEARSE_REHEARSE_H

#include <stddef.h>
#include <stdio.h>

#include "phonetrust/error.h"
#include "plan.h"

typedef struct pt_rehearse_opts {
    const char *home;   /* the real cluster home (copied, never written) */
    const char *fleet;  /* the fleet's state directory (copied, never written) */
    const char *tftp;   /* "HOST[:PORT],..." as for fleet boot; NULL: every TFTP node, in order */
    const char *exe;    /* this program: it serves the copy */
    const char *tmpdir; /* where the sandbox is made; NULL: $TMPDIR, else /tmp */
    int keep;           /* leave the sandbox (its logs, each step's output) behind */
    /* runs one command of the plan on the copy; called in a child process
     * whose output is the step's: it answers y to confirmations itself, and
     * asks anything else (a password) on ask_fd, after label, reading the
     * answer from stdin (the rehearsal's own, in the plan's order) */
    int (*run)(const char *home, const char *node, int argc, char **argv, int ask_fd, const char *label);
    FILE *progress;     /* a line per step as it starts, or NULL */
} pt_rehearse_opts;

typedef struct pt_rehearse_step {
    unsigned line;
    pt_step_kind kind;
    char text[256];
    int exit_code;      /* a command's; a reset's: 1 when some phone is locked */
    char message[512];  /* a command's error or warning (its first lines); a reset's newly locked phone */
    /* the fleet after the step */
    size_t phones, trusted, locked, no_itl, lsc_installed, pending, failed;
} pt_rehearse_step;

typedef struct pt_rehearse_report {
    pt_rehearse_step *steps;
    size_t n;
    /* the first reset that locked phones (1-based step numbers; 0: none) and
     * the command before it they are put down to: the last one forced past a
     * guard rail since the reset before, else the last one that ran */
    size_t stranded_at, stranded_after, stranded_count;
    char stranded_phone[16];
    char stranded_reason[512];
    char sandbox[512];  /* where the copy was (still there with keep) */
    int interrupted;    /* the signal (SIGINT, SIGTERM, SIGHUP) that stopped it after
                           the current step, its copy removed; 0: it ran to the end */
} pt_rehearse_report;

int pt_rehearse(const pt_rehearse_opts *o, const pt_plan *plan, pt_rehearse_report *r, pt_diag *d);
void pt_rehearse_report_free(pt_rehearse_report *r);

#endif
