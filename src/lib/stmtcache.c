/*
 * stmtcache.c - prepared SQLite statements, kept per open handle.
 *
 * Preparing a statement parses its SQL and plans it: in serve's CAPF
 * enrolment (bench/capf.sh) a twentieth of the CPU went to preparing the
 * same few queries again for every phone (its device, its operation, its
 * pool, the publisher...).  A function that runs often asks pt__prepare for
 * its statement and gives it back with pt__done, which resets it (ending
 * its read of the database: a statement left stepping would hold a WAL
 * snapshot) and clears its bindings for the next caller.
 *
 * A statement is found by the SQL text's address (among PROBE slots from
 * the one the address picks) and checked against the text itself (a
 * caller's SQL built in a buffer has the same address each time and other
 * text).  A statement already handed out and not yet given back
 * (the same function called again from within) is not shared: a fresh one
 * is prepared, and finalized by pt__done.  SQLite prepares a kept statement
 * again by itself when the schema changed (a migration).  A handle is used
 * by one thread; pt__db_close finalizes its statements before closing.
 */
#include "cluster_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 32

typedef struct slot {
    const char *sql;
    sqlite3_stmt *st;
    int busy;
} slot;

struct pt__stmtcache {
    slot s[SLOTS];
};

/* A SQL text's slots: up to PROBE of them from the one its address picks
 * (statements run in turn for every phone must not keep evicting each other) */
#define PROBE 4

static size_t home_of(const char *sql)
{
    return (size_t)(((uintptr_t)sql * 0x9E3779B97F4A7C15ull) >> 32) % SLOTS;
}

int pt__prepare(pt_cluster *c, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    if (!c->stmts)
        c->stmts = calloc(1, sizeof *c->stmts);
    slot *empty = NULL, *taken = NULL;
    for (size_t i = 0, h = home_of(sql); c->stmts && i < PROBE; i++) {
        slot *s = &c->stmts->s[(h + i) % SLOTS];
        if (s->st && !s->busy && s->sql == sql && !strcmp(sqlite3_sql(s->st), sql)) {
            s->busy = 1;
            *st = s->st;
            return SQLITE_OK;
        }
        if (!s->st && !empty)
            empty = s;
        else if (s->st && !s->busy)
            taken = s; /* the last one not in use: replaced when none is empty */
    }
    slot *keep = empty ? empty : taken;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    if (rc != SQLITE_OK || !keep)
        return rc; /* not kept: pt__done finalizes it */
    sqlite3_finalize(keep->st);
    keep->sql = sql;
    keep->st = *st;
    keep->busy = 1;
    return SQLITE_OK;
}

void pt__done(pt_cluster *c, sqlite3_stmt *st)
{
    if (!st)
        return;
    for (int i = 0; c->stmts && i < SLOTS; i++) {
        slot *s = &c->stmts->s[i];
        if (s->st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            s->busy = 0;
            return;
        }
    }
    sqlite3_finalize(st);
}

void pt__db_close(pt_cluster *c)
{
    if (c->stmts) {
        for (int i = 0; i < SLOTS; i++)
            sqlite3_finalize(c->stmts->s[i].st);
        free(c->stmts);
        c->stmts = NULL;
    }
    if (c->db)
        sqlite3_close(c->db);
    c->db = NULL;
}
