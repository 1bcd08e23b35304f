/*
 * progress.h - how far a long operation is (a bulk device add, a TFTP
 * restart over many devices, a backup or restore, bulk CAPF scheduling):
 * the library reports, whoever set a hook shows it (the command line: a
 * progress bar on a terminal).
 */
#ifndef PHONETRUST_PROGRESS_H
#define PHONETRUST_PROGRESS_H

#include <stddef.h>

/* what: "devices", "configuration files", ...; total 0: not known */
typedef void (*pt_progress_fn)(const char *what, size_t done, size_t total, void *arg);

/* The process's hook (NULL: none). */
void pt_set_progress(pt_progress_fn fn, void *arg);
/* Reported by a long operation as it goes, and once more at its end. */
void pt_progress(const char *what, size_t done, size_t total);

#endif
