/*
 * fleet.h - many simulated phones booting concurrently on one event loop
 * (boot.h), remembered in a state directory so that booting the fleet
 * again is a reset of the same phones.
 *
 * <state>/fleet lists the fleet's phones, one per line: "SEP<MAC> MODEL
 * PENDING FAILED" (the last two: 0/1, the outcome of its last boot).  Each
 * phone's own state is <state>/SEP<MAC>/ exactly as for `phone boot`, so
 * `phone show --state DIR --mac MAC` reads any phone of a fleet.
 */
#ifndef PHONETRUST_PHONE_FLEET_H
#define PHONETRUST_PHONE_FLEET_H

#include <stddef.h>
#include <stdio.h>

#include "phonetrust/error.h"

typedef struct pt_fleet_opts {
    const char *state;
    size_t count;            /* 0: the phones remembered; more: grow the fleet to count */
    const char *first_mac;   /* the first new phone's MAC (then +1 each); NULL: after the last, or 001EF7000001 */
    const char *models;      /* new phones' models, "8845" or "8845,7965,7940" (cycled); NULL: 8845 */
    const char *tftp;        /* "HOST[:PORT][,HOST[:PORT]...]" (port 69): phone i boots from server i mod n,
                                as phones of different device pools are given different TFTP servers */
    int http_port, timeout_ms;
    size_t concurrency;      /* boots in flight at once */
    const char *auth_string; /* typed on every phone a CAPF operation by string asks it of */
    FILE *progress;          /* a terminal for the progress bar, or NULL */
} pt_fleet_opts;

typedef struct pt_fleet_report {
    /* the states of the phones (trusted + locked + no_itl = phones) */
    size_t phones, trusted, locked, no_itl, lsc_installed, pending, failed;
    size_t files_refused; /* phones that refused a file their configuration names (ring list, soft keys ...) */
    char (*locked_names)[16];
    size_t n_locked;
    char first_failure[320]; /* one phone's reason, when some failed */
    /* the boot's measurements (pt_fleet_boot only) */
    double seconds;
    size_t concurrency;
    size_t booted;           /* boots that ran to their end (< phones when interrupted) */
    int interrupted;         /* SIGINT / SIGTERM (the signal): the boots in flight were abandoned */
    long base_rss_kb, peak_rss_kb;
    size_t peak_boot_bytes;  /* what the boots in flight held at most (structures, lists, buffers) */
} pt_fleet_report;

/* Boots every phone of the fleet (created or grown per o->count); r gets
 * the states afterwards.  PT_ERR_NOT_FOUND: no fleet and no count. */
int pt_fleet_boot(const pt_fleet_opts *o, pt_fleet_report *r, pt_diag *d);
/* The states of the fleet's phones as they are on disk, without booting. */
int pt_fleet_status(const char *state, pt_fleet_report *r, pt_diag *d);
void pt_fleet_report_free(pt_fleet_report *r);

#endif
