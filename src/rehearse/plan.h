/*
 * plan.h - a rehearsal plan: administrator commands one per line, exactly
 * as typed at the admin: prompt, and the rehearsal's own lines:
 *
 *   reset            every phone of the fleet resets (boots again)
 *   wait DURATION    time passes on the copy: 90s, 6m, 2h, 1d
 *   # ...            a comment; blank lines are skipped
 *
 * Only commands that change or show the cluster run in a plan; whatever
 * would reach outside the copy (another --home, a fleet's --state, a
 * server, files written elsewhere) is refused when the plan is read, with
 * its line number, before anything runs.
 */
#ifndef PHONETRUST_REHEARSE_PLAN_H
#define PHONETRUST_REHEARSE_PLAN_H

#include <stddef.h>

#include "phonetrust/error.h"

typedef enum { PT_STEP_COMMAND, PT_STEP_RESET, PT_STEP_WAIT } pt_step_kind;

typedef struct pt_plan_step {
    pt_step_kind kind;
    unsigned line;      /* in the plan file, from 1 */
    char *text;         /* the line as written, trimmed */
    const char *node;   /* --node HOST of a command, or NULL */
    int argc;           /* a command: "phonetrust" then its words */
    char **argv;
    long seconds;       /* wait */
} pt_plan_step;

typedef struct pt_plan {
    pt_plan_step *steps;
    size_t n;
} pt_plan;

/* Reads and checks a plan.  PT_ERR_FORMAT names the line
 * and what is wrong with it; PT_ERR_IO when the file cannot be read. */
int pt_plan_read(const char *path, pt_plan *p, pt_diag *d);
void pt_plan_free(pt_plan *p);

/* Splits a line into words as the admin: prompt does: whitespace
 * separates, "..." and '...' group, a backslash escapes outside single
 * quotes.  Words are written into buf (strlen(line) + 1 bytes).  Returns
 * the count, -1 on an unclosed quote or more than max words. */
int pt_words_split(const char *line, char *buf, char **argv, int max);

#endif
