/*
 * cluster_internal.h - what the cluster's source files share and nothing
 * else sees: the handle's layout and the database helpers.
 */
#ifndef PHONETRUST_CLUSTER_INTERNAL_H
#define PHONETRUST_CLUSTER_INTERNAL_H

#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "phonetrust/cluster.h"

struct pt_cluster {
    char home[PATH_MAX];
    sqlite3 *db;
    char domain[256];
    char org[128], unit[128], locality[128], state[128], country[8];
    int defer_sync; /* config files: the caller flushes once after many (bulk add) */
    /* a node's next generation of served files, being built (generation.c):
     * pt_cluster_tftp_dir(gen_node) is gen_dir meanwhile */
    char gen_node[64];
    char gen_dir[PATH_MAX];
    unsigned long gen_number;
    struct pt__keycache *keys; /* keycache.c: keys decoded by this handle */
    struct pt__stmtcache *stmts; /* stmtcache.c: statements prepared by this handle */
};

/* stmtcache.c: sql's statement, prepared once per handle (sql a string
 * constant) and handed back by pt__done (reset, bindings cleared) instead
 * of sqlite3_finalize; pt__db_close finalizes them and closes the database. */
typedef struct pt__stmtcache pt__stmtcache;
int pt__prepare(pt_cluster *c, const char *sql, sqlite3_stmt **st);
void pt__done(pt_cluster *c, sqlite3_stmt *st);
void pt__db_close(pt_cluster *c);

/* keycache.c: the key in key_file (at path) with its certificate der, as
 * this handle last decoded them, or decoded now and kept; both are the
 * caller's references. */
typedef struct pt__keycache pt__keycache;
int pt__key_load(pt_cluster *c, const char *key_file, const char *path, const uint8_t *der, size_t der_len,
                 EVP_PKEY **key, X509 **cert, pt_diag *d);
void pt__keycache_free(pt__keycache *k);

int pt__db_err(pt_cluster *c, pt_diag *d, const char *what);
int pt__exec(pt_cluster *c, const char *sql, pt_diag *d);
int pt__begin(pt_cluster *c, pt_diag *d);
int pt__commit(pt_cluster *c, pt_diag *d);
void pt__rollback(pt_cluster *c);
int pt__is_ipv4(const char *s, uint8_t out[4]);
int pt__rm_tree(const char *path);
/* What CUCM writes: legacy layout, no signer version; filename may be NULL. */
void pt__sign_opts_cucm(pt_sign_opts *o, const char *filename);
/* configs.c: the cluster's configuration of dev (NULL: the
 * auto-registration default) */
int pt__config_xml(pt_cluster *c, const pt_device *dev, pt_buf *b, pt_diag *d);
/* Puts a new key and certificate in force for name on node (cluster.c). */
int pt__replace_cert(pt_cluster *c, const char *node, const char *name, EVP_PKEY *key, X509 *cert, time_t now,
                     pt_diag *d);
/* A fresh random ITLRecovery.p12 salt, 32 hex digits (itlrecovery.c). */
int pt__p12_new_salt(char out[33]);
/* generation.c: a node's served set replaced whole.  begin builds the next
 * generation (hard links to the current one) and points pt_cluster_tftp_dir
 * at it; commit flushes it and puts it in force with one rename; abort
 * throws it away.  lock: the per-node lock single-file writers and
 * generation builders hold (fd to pt__gen_unlock). */
int pt__gen_lock(pt_cluster *c, const char *node, int *fd, pt_diag *d);
/* 1 while node's next generation is being built by this handle. */
int pt__gen_building(const pt_cluster *c, const char *node);
void pt__gen_unlock(int fd);
int pt__gen_begin(pt_cluster *c, const char *node, pt_diag *d);
int pt__gen_commit(pt_cluster *c, pt_diag *d);
void pt__gen_abort(pt_cluster *c);
/* One served file written (atomically) or removed, under the node's lock
 * (or into the generation being built). */
int pt__served_write(pt_cluster *c, const char *node, const char *name, const uint8_t *data, size_t len,
                     pt_diag *d);
int pt__served_unlink(pt_cluster *c, const char *node, const char *name, int *found, pt_diag *d);
/* Removes a node's link, generations and lock (node remove). */
void pt__gen_remove(pt_cluster *c, const char *node);
/* homestage.c: a new home (install, restore) built in tmp, then put in place
 * whole: renamed there when home did not exist, else (an empty directory,
 * such as the package's /var/lib/phonetrust) moved up into it, cluster.db
 * last.  what: "install" or "restore", the staging directory's name. */
typedef struct {
    char home[PATH_MAX];
    char tmp[PATH_MAX];
    int inside;
} pt__home_stage;
/* PT_OK when home may become a cluster: absent, empty, or left half-placed */
int pt__home_stage_check(const char *home, pt_diag *d);
int pt__home_stage_begin(pt__home_stage *h, const char *home, const char *what, pt_diag *d);
int pt__home_stage_commit(pt__home_stage *h, pt_diag *d);
void pt__home_stage_abort(pt__home_stage *h);
/* an empty staging directory a placement killed after cluster.db left behind: removed */
void pt__home_stage_tidy(const char *home);
struct pt_certcache;
int pt__tvs_entries(pt_cluster *cl, struct pt_certcache *c, pt_diag *d);

#endif
