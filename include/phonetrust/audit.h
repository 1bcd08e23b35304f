/*
 * audit.h - the cluster's audit log: one line per administrative change
 * (time, OS user, command, result), appended to <home>/audit.log and never
 * holding a secret (the command line is redacted by the caller).
 */
#ifndef PHONETRUST_AUDIT_H
#define PHONETRUST_AUDIT_H

#include <stddef.h>

#include "phonetrust/error.h"

typedef struct pt_audit_entry {
    char time[32];      /* 2026-12-01T22:00:00Z */
    char user[96];      /* "root", or "root (sudo alice)" */
    int exit_code;
    char command[1024]; /* the words as typed, secrets replaced by *** */
} pt_audit_entry;

/* Appends one line in a single write (O_APPEND: lines of concurrent
 * commands never mix); the file is created 0640.  PT_ERR_IO when it
 * cannot be written. */
int pt_audit_append(const char *home, const pt_audit_entry *e, pt_diag *d);
/* Every line, oldest first; *n 0 when there is no log yet.  A damaged
 * line is skipped. */
int pt_audit_read(const char *home, pt_audit_entry **out, size_t *n, pt_diag *d);

#endif
