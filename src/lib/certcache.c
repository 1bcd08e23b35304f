/*
 * certcache.c - TVS's certificate caches (see certcache.h).
 */
#include "phonetrust/certcache.h"
#include "cluster_internal.h"
#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct entry {
    uint8_t sha256[32];
    uint8_t roles[PT_MAX_ROLES];
    size_t n;
    uint32_t ttl;
} entry;

struct pt_certcache {
    entry *e;
    size_t n, cap;
};

pt_certcache *pt_certcache_new(void) { return calloc(1, sizeof(pt_certcache)); }

void pt_certcache_free(pt_certcache *c)
{
    if (c) {
        free(c->e);
        free(c);
    }
}

size_t pt_certcache_size(const pt_certcache *c) { return c ? c->n : 0; }

static int by_hash(const void *a, const void *b)
{
    return memcmp(((const entry *)a)->sha256, ((const entry *)b)->sha256, 32);
}

static int same_roles(const entry *a, const entry *b)
{
    if (a->n != b->n || a->ttl != b->ttl)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        int found = 0;
        for (size_t k = 0; k < b->n && !found; k++)
            found = a->roles[i] == b->roles[k];
        if (!found)
            return 0;
    }
    return 1;
}

int pt_certcache_equal(const pt_certcache *a, const pt_certcache *b)
{
    size_t n = pt_certcache_size(a);
    if (n != pt_certcache_size(b))
        return 0;
    if (!n)
        return 1;
    entry *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    int eq = x && y;
    if (eq) {
        memcpy(x, a->e, n * sizeof *x);
        memcpy(y, b->e, n * sizeof *y);
        qsort(x, n, sizeof *x, by_hash);
        qsort(y, n, sizeof *y, by_hash);
        for (size_t i = 0; i < n && eq; i++)
            eq = !memcmp(x[i].sha256, y[i].sha256, 32) && same_roles(&x[i], &y[i]);
    }
    free(x);
    free(y);
    return eq;
}

static entry *find(const pt_certcache *c, const uint8_t h[32])
{
    for (size_t i = 0; i < c->n; i++)
        if (!memcmp(c->e[i].sha256, h, 32))
            return &c->e[i];
    return NULL;
}

int pt_certcache_add(pt_certcache *c, const uint8_t *der, size_t len, const uint8_t *roles, size_t n)
{
    return pt_certcache_add_ttl(c, der, len, roles, n, 0);
}

int pt_certcache_add_ttl(pt_certcache *c, const uint8_t *der, size_t len, const uint8_t *roles, size_t n,
                         uint32_t ttl)
{
    uint8_t h[32];
    size_t hl;
    if (pt_digest(PT_HASH_SHA256, der, len, h, &hl))
        return PT_ERR_CRYPTO;
    entry *e = find(c, h);
    if (!e) {
        if (c->n == c->cap) {
            size_t nc = c->cap ? c->cap * 2 : 16;
            entry *ne = realloc(c->e, nc * sizeof *ne);
            if (!ne)
                return PT_ERR_NOMEM;
            c->e = ne;
            c->cap = nc;
        }
        e = &c->e[c->n++];
        memcpy(e->sha256, h, 32);
        e->n = 0;
        e->ttl = PT_TVS_DEFAULT_TTL;
    }
    if (ttl)
        e->ttl = ttl;
    for (size_t i = 0; i < n; i++) {
        int have = 0;
        for (size_t k = 0; k < e->n; k++)
            have |= e->roles[k] == roles[i];
        if (!have && e->n < PT_MAX_ROLES) {
            /* keep them sorted: SAST, CCM, CCM+TFTP, TFTP, CAPF, APP-SERVER, TVS (§5.4) */
            size_t k = e->n++;
            while (k > 0 && e->roles[k - 1] > roles[i]) {
                e->roles[k] = e->roles[k - 1];
                k--;
            }
            e->roles[k] = roles[i];
        }
    }
    return PT_OK;
}

int pt_certcache_lookup(const pt_certcache *c, const uint8_t *der, size_t len, uint8_t roles[PT_MAX_ROLES],
                        size_t *n)
{
    uint32_t ttl;
    return pt_certcache_lookup_ttl(c, der, len, roles, n, &ttl);
}

int pt_certcache_lookup_ttl(const pt_certcache *c, const uint8_t *der, size_t len, uint8_t roles[PT_MAX_ROLES],
                            size_t *n, uint32_t *ttl)
{
    uint8_t h[32];
    size_t hl;
    *n = 0;
    if (!c || pt_digest(PT_HASH_SHA256, der, len, h, &hl))
        return 0;
    const entry *e = find(c, h);
    if (!e)
        return 0;
    memcpy(roles, e->roles, e->n);
    *n = e->n;
    *ttl = e->ttl;
    return 1;
}

static int add_cert(pt_certcache *c, X509 *x, const uint8_t *roles, size_t n)
{
    pt_buf der;
    pt_buf_init(&der);
    int rc = pt_cert_der(x, &der);
    if (!rc)
        rc = pt_certcache_add(c, der.data, der.len, roles, n);
    pt_buf_free(&der);
    return rc;
}

int pt_certcache_from_cluster(pt_cluster *cl, pt_certcache **out, pt_diag *d)
{
    pt_certcache *c = pt_certcache_new();
    if (!c)
        return PT_ERR_NOMEM;
    pt_node *nodes = NULL;
    size_t nn = 0;
    int rc = pt_cluster_nodes(cl, &nodes, &nn, d);
    uint8_t tftp_role = pt_cluster_security_mode(cl) == 1 ? PT_ROLE_CCM_TFTP : PT_ROLE_TFTP;
    /* seed 002: a mixed-mode publisher's CallManager certificate is {SAST, CCM+TFTP} */
    struct { const char *name; uint8_t roles[2]; size_t n; } own[] = {
        {PT_CERT_CALLMANAGER, {PT_ROLE_SAST, tftp_role}, 2},
        {PT_CERT_CALLMANAGER_EC, {PT_ROLE_TFTP}, 1},
        {PT_CERT_TVS, {PT_ROLE_TVS}, 1},
        {PT_CERT_CAPF, {PT_ROLE_CAPF}, 1},
        {PT_CERT_ITLRECOVERY, {PT_ROLE_SAST}, 1},
    };
    for (size_t i = 0; !rc && i < nn; i++)
        for (size_t k = 0; !rc && k < sizeof own / sizeof own[0]; k++) {
            X509 *x;
            /* a subscriber's own ITLRecovery signs nothing: not vouched for */
            if (!pt_cluster_cert_name_valid(own[k].name, nodes[i].publisher) ||
                (!nodes[i].publisher && !strcmp(own[k].name, PT_CERT_ITLRECOVERY)) ||
                pt_cluster_cert(cl, nodes[i].name, own[k].name, &x, NULL))
                continue;
            rc = add_cert(c, x, own[k].roles, own[k].n);
            X509_free(x);
        }
    free(nodes);
    /* trust stores: seed 002's {SAST, TFTP} for Phone-SAST-trust + CallManager-trust */
    static const struct { const char *purpose; uint8_t role; } stores[] = {
        {"Phone-SAST-trust", PT_ROLE_SAST}, {"CallManager-trust", PT_ROLE_TFTP},
        {"CAPF-trust", PT_ROLE_CAPF},       {"TVS-trust", PT_ROLE_TVS},
        {"Phone-trust", PT_ROLE_APP_SERVER}, {"tomcat-trust", PT_ROLE_APP_SERVER},
        {"ITLRecovery-trust", PT_ROLE_SAST},
    };
    pt_trust_entry *t = NULL;
    size_t nt = 0;
    if (!rc)
        rc = pt_cluster_trust_list(cl, &t, &nt, d);
    for (size_t i = 0; !rc && i < nt; i++)
        for (size_t k = 0; !rc && k < sizeof stores / sizeof stores[0]; k++)
            if (!strcmp(t[i].purpose, stores[k].purpose))
                rc = add_cert(c, t[i].cert, &stores[k].role, 1);
    pt_trust_entries_free(t, nt);
    if (!rc)
        rc = pt__tvs_entries(cl, c, d);
    if (rc) {
        pt_certcache_free(c);
        return rc;
    }
    *out = c;
    return PT_OK;
}

int pt_certcache_from_ctl(const uint8_t *ctl, size_t len, pt_certcache **out, pt_diag *d)
{
    pt_trustlist tl;
    int rc = pt_tl_parse(ctl, len, &tl, d);
    if (rc)
        return rc;
    pt_certcache *c = pt_certcache_new();
    if (!c) {
        pt_tl_free(&tl);
        return PT_ERR_NOMEM;
    }
    for (size_t i = 0; !rc && i < tl.n_recs; i++) {
        const pt_record *r = &tl.recs[i];
        if (!r->certificate.n || r->role < 0 || r->role > 255)
            continue;
        uint8_t role = (uint8_t)r->role;
        rc = pt_certcache_add(c, r->certificate.p, r->certificate.n, &role, 1);
    }
    pt_tl_free(&tl);
    if (rc) {
        pt_certcache_free(c);
        return rc;
    }
    *out = c;
    return PT_OK;
}

int pt_tvs_lookup(const pt_certcache *db, const pt_certcache *ctl, const uint8_t *der, size_t len,
                  uint8_t roles[PT_MAX_ROLES], size_t *n, uint32_t *ttl, const char **source)
{
    uint32_t t;
    if (!ttl)
        ttl = &t;
    if (pt_certcache_lookup_ttl(db, der, len, roles, n, ttl)) {
        *source = "database";
        return 1;
    }
    if (pt_certcache_lookup_ttl(ctl, der, len, roles, n, ttl)) {
        *source = "CTL";
        return 1;
    }
    *source = NULL;
    return 0;
}

void pt_filestamp_get(const char *path, pt_filestamp *out)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    out->exists = 1;
    out->mtime = st.st_mtim.tv_sec;
    out->mtime_ns = st.st_mtim.tv_nsec;
    out->size = st.st_size;
    out->ino = st.st_ino;
    uint8_t *data;
    size_t len, n;
    if (pt_file_read(path, &data, &len, PT_FILE_MAX, NULL) == PT_OK) {
        pt_digest(PT_HASH_SHA1, data, len, out->sha1, &n);
        free(data);
    }
}

int pt_filestamp_changed(const pt_filestamp *a, const pt_filestamp *b)
{
    return a->exists != b->exists || a->size != b->size || a->ino != b->ino || a->mtime != b->mtime ||
           a->mtime_ns != b->mtime_ns || memcmp(a->sha1, b->sha1, 20) != 0;
}

/* ---- explicit TVS entries ---- */

static int roles_csv(const uint8_t *roles, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(out + k, cap > k ? cap - k : 0, "%s%u", i ? "," : "", roles[i]);
    return k < cap ? PT_OK : PT_ERR_ARG;
}

int pt_cluster_tvs_add(pt_cluster *cl, X509 *cert, const uint8_t *roles, size_t n, uint32_t ttl, pt_diag *d)
{
    if (n == 0 || n > PT_MAX_ROLES)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "give 1 to %d roles", PT_MAX_ROLES);
    if (ttl < 1 || ttl > 2592000)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "TTL is 1 to 2592000 seconds (30 days)");
    pt_buf der;
    pt_buf_init(&der);
    uint8_t h[32];
    size_t hl;
    char hex[65], csv[64];
    int rc = pt_cert_der(cert, &der);
    if (!rc)
        rc = pt_digest(PT_HASH_SHA256, der.data, der.len, h, &hl);
    if (!rc)
        rc = roles_csv(roles, n, csv, sizeof csv);
    sqlite3_stmt *st = NULL;
    if (!rc && sqlite3_prepare_v2(cl->db, "INSERT OR REPLACE INTO tvs_certs VALUES (?, ?, ?, ?)", -1, &st, NULL) !=
                   SQLITE_OK)
        rc = pt__db_err(cl, d, "adding a TVS certificate");
    if (!rc) {
        sqlite3_bind_text(st, 1, pt_hex(h, 32, hex), -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, der.data, (int)der.len, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, csv, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, ttl);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = pt__db_err(cl, d, "adding a TVS certificate");
    }
    sqlite3_finalize(st);
    pt_buf_free(&der);
    return rc;
}

int pt_cluster_tvs_remove(pt_cluster *cl, X509 *cert, pt_diag *d)
{
    pt_buf der;
    pt_buf_init(&der);
    uint8_t h[32];
    size_t hl;
    char hex[65];
    int rc = pt_cert_der(cert, &der);
    if (!rc)
        rc = pt_digest(PT_HASH_SHA256, der.data, der.len, h, &hl);
    pt_buf_free(&der);
    sqlite3_stmt *st;
    if (rc || sqlite3_prepare_v2(cl->db, "DELETE FROM tvs_certs WHERE sha256 = ?", -1, &st, NULL) != SQLITE_OK)
        return rc ? rc : pt__db_err(cl, d, "removing a TVS certificate");
    sqlite3_bind_text(st, 1, pt_hex(h, 32, hex), -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(cl, d, "removing a TVS certificate");
    sqlite3_finalize(st);
    if (!rc && sqlite3_changes(cl->db) == 0)
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "TVS holds no such certificate");
    return rc;
}

int pt__tvs_entries(pt_cluster *cl, pt_certcache *c, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cl->db, "SELECT der, roles, ttl FROM tvs_certs", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(cl, d, "reading TVS certificates");
    int rc = PT_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        uint8_t roles[PT_MAX_ROLES];
        size_t n = 0;
        char csv[64];
        snprintf(csv, sizeof csv, "%s", (const char *)sqlite3_column_text(st, 1));
        char *save = NULL;
        for (char *t = strtok_r(csv, ",", &save); t && n < PT_MAX_ROLES; t = strtok_r(NULL, ",", &save))
            roles[n++] = (uint8_t)atoi(t);
        rc = pt_certcache_add_ttl(c, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), roles, n,
                                  (uint32_t)sqlite3_column_int64(st, 2));
    }
    sqlite3_finalize(st);
    return rc;
}
