/*
 * guard.c - what a change would strand, from the phones' own reports.
 *
 * Each phone's DeviceTLInfo report says which ITL it holds (its SHA1; a
 * report reaches the database only from the address that fetched the
 * phone's configuration, services/fetches.c).  A phone is current when it
 * reported the ITL its TFTP node serves now, and that ITL was built after
 * the last change of every certificate the phone needs to take the next
 * one: its TFTP node's CallManager (the ITL's signer) and the TVS of each
 * node of its CallManager group (who vouches for a new signer).
 *
 * Replacing one of those certificates is safe for a current phone: a new
 * CallManager is vouched for by a TVS its ITL holds, a new TVS arrives in
 * an ITL signed by the CallManager it holds.  A phone that is not current
 * may hold neither any more after the change: it is stranded ("Trust List
 * Update Failed") until its ITL is erased by hand or reset.  Phones that
 * never reported an ITL hold none and trust the next one they see.
 *
 * A phone holding a reset ITL (utils itl reset: signed by ITLRecovery) is
 * current and still at risk of a TVS change: the ITL that follows it is
 * signed by CallManager, which only the TVS it holds can vouch for.
 */
#include "cluster_internal.h"

#include "phonetrust/constants.h"
#include "phonetrust/crypto.h"
#include "phonetrust/fileio.h"

#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* what a TFTP server serves, looked up once per server for all its phones */
typedef struct {
    char node[64];
    char sha1[41];   /* of the ITL file it serves, "" when none */
    int64_t built;   /* itl_state.built_seq: the last certificate change that ITL includes */
} served_itl;

static void served_of(pt_cluster *c, const char *node, served_itl *s)
{
    snprintf(s->node, sizeof s->node, "%s", node);
    s->sha1[0] = '\0';
    s->built = 0;
    char dir[PATH_MAX], path[PATH_MAX + 16];
    uint8_t *data, dg[20];
    size_t len, n;
    if (!pt_cluster_tftp_dir(c, node, dir, sizeof dir) && pt_path_join(path, sizeof path, dir, "ITLFile.tlv") == PT_OK &&
        pt_file_read(path, &data, &len, PT_FILE_MAX, NULL) == PT_OK) {
        pt_digest(PT_HASH_SHA1, data, len, dg, &n);
        pt_hex(dg, n, s->sha1);
        free(data);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT built_seq FROM itl_state WHERE node = ?", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        s->built = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
}

/* 1 when node is in the comma-separated group */
static int in_group(const char *group, const char *node)
{
    size_t nl = strlen(node);
    for (const char *p = group; *p;) {
        size_t l = strcspn(p, ",");
        if (l == nl && !strncmp(p, node, l))
            return 1;
        p += l;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* the last change of a certificate a phone of this TFTP server and
 * CallManager group needs: the server's CallManager, the group's TVS */
static int64_t last_change(pt_cluster *c, const char *tftp, const char *group)
{
    sqlite3_stmt *st;
    int64_t last = 0;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT MAX(changed_seq) FROM certs WHERE (node = ?1 AND name = ?2)"
                           " OR (name = ?3 AND instr(',' || ?4 || ',', ',' || node || ',') > 0)",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, tftp, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, PT_CERT_CALLMANAGER, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, PT_CERT_TVS, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, group, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        last = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return last;
}

int pt_cluster_itl_status(pt_cluster *c, pt_itl_status **out, size_t *n, pt_diag *d)
{
    *out = NULL;
    *n = 0;
    pt_device *v;
    size_t nv;
    int rc = pt_cluster_devices(c, &v, &nv, d);
    if (rc)
        return rc;
    pt_itl_status *rows = calloc(nv ? nv : 1, sizeof *rows);
    served_itl *servers = calloc(nv ? nv : 1, sizeof *servers); /* at most one per device */
    if (!rows || !servers) {
        free(v);
        free(rows);
        free(servers);
        return PT_ERR_NOMEM;
    }
    size_t ns = 0;
    for (size_t i = 0; i < nv; i++) {
        pt_itl_status *r = &rows[i];
        snprintf(r->device, sizeof r->device, "%s", v[i].name);
        pt_cluster_pool_group(c, v[i].pool, r->group, sizeof r->group, NULL);
        /* the TFTP server the phone reported, else the first of its CallManager group */
        if (v[i].reported_tftp[0])
            snprintf(r->node, sizeof r->node, "%s", v[i].reported_tftp);
        else
            snprintf(r->node, sizeof r->node, "%.*s", (int)strcspn(r->group, ","), r->group);
        size_t k = 0;
        while (k < ns && strcmp(servers[k].node, r->node))
            k++;
        if (k == ns)
            served_of(c, r->node, &servers[ns++]);
        const served_itl *srv = &servers[k];
        snprintf(r->server_sha1, sizeof r->server_sha1, "%s", srv->sha1);
        snprintf(r->phone_sha1, sizeof r->phone_sha1, "%s", v[i].itl_sha1);
        r->reported = v[i].reported;
        if (!v[i].reported)
            r->status = PT_ITL_UNKNOWN;
        else if (!v[i].itl_sha1[0])
            r->status = PT_ITL_NOT_INSTALLED;
        else if (r->server_sha1[0] && !strcasecmp(r->server_sha1, v[i].itl_sha1))
            r->status = PT_ITL_MATCH;
        else
            r->status = PT_ITL_MISMATCH;
        r->current = r->status == PT_ITL_MATCH && srv->built >= last_change(c, r->node, r->group);
    }
    free(servers);
    free(v);
    *out = rows;
    *n = nv;
    return PT_OK;
}

const char *pt_itl_status_name(int status)
{
    switch (status) {
    case PT_ITL_MATCH: return "Match";
    case PT_ITL_MISMATCH: return "MisMatch";
    case PT_ITL_NOT_INSTALLED: return "Not Installed";
    default: return "Unknown";
    }
}

/* the per-TFTP-server counts of node (a new slot the first time; NULL
 * past PT_GUARD_NODES servers: still counted in the totals) */
static pt_guard_node *slot(pt_guard *g, const char *node)
{
    for (size_t k = 0; k < g->n_nodes; k++)
        if (!strcmp(g->nodes[k].node, node))
            return &g->nodes[k];
    if (g->n_nodes == PT_GUARD_NODES)
        return NULL;
    snprintf(g->nodes[g->n_nodes].node, sizeof g->nodes[0].node, "%s", node);
    return &g->nodes[g->n_nodes++];
}

/* device would be stranded: counted, in the totals and its server's
 * (k, NULL past PT_GUARD_NODES), and named if among the first */
static void strands(pt_guard *g, pt_guard_node *k, const char *device)
{
    g->at_risk++;
    if (g->n_first < PT_GUARD_FIRST)
        snprintf(g->first[g->n_first++], sizeof g->first[0], "%s", device);
    if (k)
        k->at_risk++;
}

/* the phones concerned by a change (those of TFTP server `node`, or with
 * `node` in their CallManager group), and which of them it would strand:
 * those not current, or (after a reset) those not holding the reset ITL */
/* whether TFTP server node serves a reset ITL (signed by ITLRecovery);
 * looked up once per server */
static int serves_reset(pt_cluster *c, const char *node, char (*seen)[64], int *is_reset, size_t *n_seen)
{
    for (size_t k = 0; k < *n_seen; k++)
        if (!strcmp(seen[k], node))
            return is_reset[k];
    char signer[32];
    pt_cluster_itl_signer(c, node, signer, sizeof signer);
    int r = !strcmp(signer, PT_CERT_ITLRECOVERY);
    if (*n_seen < PT_GUARD_NODES) {
        snprintf(seen[*n_seen], 64, "%s", node);
        is_reset[(*n_seen)++] = r;
    }
    return r;
}

static int tally(pt_cluster *c, const char *node, int by_group, int reset, pt_guard *g, pt_diag *d)
{
    pt_itl_status *rows;
    size_t n;
    int rc = pt_cluster_itl_status(c, &rows, &n, d);
    if (rc)
        return rc;
    char seen[PT_GUARD_NODES][64];
    int is_reset[PT_GUARD_NODES];
    size_t n_seen = 0;
    for (size_t i = 0; i < n; i++) {
        const pt_itl_status *r = &rows[i];
        if (!(by_group ? in_group(r->group, node) : !strcmp(r->node, node)))
            continue; /* does not need what changes */
        if (r->status == PT_ITL_UNKNOWN || r->status == PT_ITL_NOT_INSTALLED) {
            g->no_itl++;
            continue;
        }
        pt_guard_node *k = slot(g, r->node);
        if (k)
            k->holding++;
        /* a TVS change (by_group) also strands the current phones of a server
         * in reset: their next ITL needs the TVS they hold to vouch */
        int held = by_group && !reset && r->current && serves_reset(c, r->node, seen, is_reset, &n_seen);
        if (reset ? r->status != PT_ITL_MATCH : !r->current || held) {
            strands(g, k, r->device);
            g->reset_held += (size_t)held;
        }
    }
    free(rows);
    return PT_OK;
}

int pt_cluster_guard_regen(pt_cluster *c, const char *node, const char *name, pt_guard *g, pt_diag *d)
{
    memset(g, 0, sizeof *g);
    /* CallManager: the phones it signs for; TVS: the phones that ask it */
    if (!strcmp(name, PT_CERT_CALLMANAGER))
        return tally(c, node, 0, 0, g, d);
    if (!strcmp(name, PT_CERT_TVS))
        return tally(c, node, 1, 0, g, d);
    return PT_OK;
}

int pt_cluster_guard_tftp_restart(pt_cluster *c, const char *node, pt_guard *g, pt_diag *d)
{
    memset(g, 0, sizeof *g);
    char signer[32];
    pt_cluster_itl_signer(c, node, signer, sizeof signer); /* "none" when it has none */
    if (strcmp(signer, PT_CERT_ITLRECOVERY))
        return PT_OK; /* the ITL in force is not a reset one */
    return tally(c, node, 0, 1, g, d);
}

/* 1 when a's certificate name of node a_node is b's of b_node (both
 * present and the same DER) */
static int same_cert(pt_cluster *a, const char *a_node, const char *a_name, pt_cluster *b, const char *b_node,
                     const char *b_name)
{
    X509 *x = NULL, *y = NULL;
    int same = !pt_cluster_cert(a, a_node, a_name, &x, NULL) && !pt_cluster_cert(b, b_node, b_name, &y, NULL) &&
               X509_cmp(x, y) == 0;
    X509_free(x);
    X509_free(y);
    return same;
}

/* After a restore, whether the phones of TFTP server node (holding the
 * current cluster's ITL, with group their CallManager group) take the ITL
 * the restored cluster serves: its signer is a SAST they hold (the current
 * CallManager or ITLRecovery), or a TVS of their group they can reach (its
 * restored certificate is the one they hold) vouches for it. */
static int restore_keeps(pt_cluster *cur, pt_cluster *res, const char *node, const char *group)
{
    char signer[32];
    pt_cluster_itl_signer(res, node, signer, sizeof signer);
    if (strcmp(signer, PT_CERT_ITLRECOVERY))
        snprintf(signer, sizeof signer, "%s", PT_CERT_CALLMANAGER); /* none served yet: the next is */
    /* the ITLRecovery that signs is the publisher's (node NULL) */
    const char *by = strcmp(signer, PT_CERT_ITLRECOVERY) ? node : NULL;
    if (same_cert(res, by, signer, cur, node, PT_CERT_CALLMANAGER) ||
        same_cert(res, by, signer, cur, NULL, PT_CERT_ITLRECOVERY))
        return 1;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", group);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (same_cert(res, t, PT_CERT_TVS, cur, t, PT_CERT_TVS))
            return 1;
    return 0;
}

int pt_cluster_guard_restore(pt_cluster *cur, pt_cluster *res, pt_guard *g, pt_diag *d)
{
    memset(g, 0, sizeof *g);
    pt_itl_status *rows;
    size_t n;
    int rc = pt_cluster_itl_status(cur, &rows, &n, d);
    if (rc)
        return rc;
    /* one answer per (TFTP server, group): most phones share a few */
    struct {
        char node[64], group[256];
        int keeps;
    } seen[PT_GUARD_NODES];
    size_t n_seen = 0;
    for (size_t i = 0; i < n; i++) {
        const pt_itl_status *r = &rows[i];
        if (r->status == PT_ITL_UNKNOWN || r->status == PT_ITL_NOT_INSTALLED) {
            g->no_itl++;
            continue;
        }
        pt_guard_node *k = slot(g, r->node);
        if (k)
            k->holding++;
        size_t j = 0;
        while (j < n_seen && (strcmp(seen[j].node, r->node) || strcmp(seen[j].group, r->group)))
            j++;
        int keeps;
        if (j < n_seen) {
            keeps = seen[j].keeps;
        } else {
            keeps = restore_keeps(cur, res, r->node, r->group);
            if (n_seen < PT_GUARD_NODES) {
                snprintf(seen[n_seen].node, sizeof seen[0].node, "%s", r->node);
                snprintf(seen[n_seen].group, sizeof seen[0].group, "%s", r->group);
                seen[n_seen++].keeps = keeps;
            }
        }
        if (!keeps)
            strands(g, k, r->device);
    }
    free(rows);
    return PT_OK;
}

void pt_guard_phones(const pt_guard *g, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < g->n_first && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s", i ? ", " : "", g->first[i]);
    if (g->at_risk > g->n_first && len < n)
        snprintf(out + len, n - len, " and %zu more", g->at_risk - g->n_first);
}

void pt_guard_counts(const pt_guard *g, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < g->n_nodes && len < n; k++)
        if (g->nodes[k].at_risk)
            len += (size_t)snprintf(out + len, n - len, "  %s: %zu of the %zu phones holding an ITL\n", g->nodes[k].node,
                                    g->nodes[k].at_risk, g->nodes[k].holding);
}

int pt_cluster_capf_pending(pt_cluster *c, pt_guard *g, pt_diag *d)
{
    memset(g, 0, sizeof *g);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT name FROM devices WHERE capf_op <> 'none' ORDER BY name", -1, &st, NULL) !=
        SQLITE_OK)
        return pt__db_err(c, d, "reading the pending CAPF operations");
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        strands(g, NULL, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "reading the pending CAPF operations");
}
