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
 */
#include "cluster_internal.h"

#include "phonetrust/fileio.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* what itl_state says of a node's served ITL (sha1 "" when none) */
static void node_itl(pt_cluster *c, const char *node, char sha1[41], int64_t *built, char *signer, size_t sn)
{
    sha1[0] = '\0';
    *built = 0;
    if (signer)
        snprintf(signer, sn, "none");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT sha1, built_seq, signer FROM itl_state WHERE node = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        snprintf(sha1, 41, "%s", h ? h : "");
        *built = sqlite3_column_int64(st, 1);
        const char *s = (const char *)sqlite3_column_text(st, 2);
        if (signer && s)
            snprintf(signer, sn, "%s", s);
    }
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

/* where a certificate's last change stands in the cluster's order of events */
static int64_t changed_seq(pt_cluster *c, const char *node, const char *name)
{
    sqlite3_stmt *st;
    int64_t seq = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT changed_seq FROM certs WHERE node = ? AND name = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        seq = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return seq;
}

/* the last change of a certificate a phone of this TFTP node and group needs */
static int64_t last_change(pt_cluster *c, const char *tftp, const char *group)
{
    int64_t last = changed_seq(c, tftp, PT_CERT_CALLMANAGER);
    for (const char *p = group; *p;) {
        size_t l = strcspn(p, ",");
        char node[64];
        snprintf(node, sizeof node, "%.*s", (int)(l < sizeof node ? l : sizeof node - 1), p);
        int64_t m = changed_seq(c, node, PT_CERT_TVS);
        if (m > last)
            last = m;
        p += l;
        if (*p == ',')
            p++;
    }
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
    if (!rows) {
        free(v);
        return PT_ERR_NOMEM;
    }
    for (size_t i = 0; i < nv; i++) {
        pt_itl_status *r = &rows[i];
        snprintf(r->device, sizeof r->device, "%s", v[i].name);
        pt_cluster_pool_group(c, v[i].pool, r->group, sizeof r->group, NULL);
        /* the TFTP server the phone reported, else the first of its CallManager group */
        if (v[i].reported_tftp[0])
            snprintf(r->node, sizeof r->node, "%s", v[i].reported_tftp);
        else
            snprintf(r->node, sizeof r->node, "%.*s", (int)strcspn(r->group, ","), r->group);
        int64_t built;
        node_itl(c, r->node, r->server_sha1, &built, NULL, 0);
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
        r->current = r->status == PT_ITL_MATCH && built >= last_change(c, r->node, r->group);
    }
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

static void note(pt_guard *g, const pt_itl_status *r)
{
    g->at_risk++;
    if (g->n_first < PT_GUARD_FIRST)
        snprintf(g->first[g->n_first++], sizeof g->first[0], "%s", r->device);
    size_t k = 0;
    while (k < g->n_nodes && strcmp(g->nodes[k].node, r->node))
        k++;
    if (k == g->n_nodes && k < PT_GUARD_NODES) {
        snprintf(g->nodes[k].node, sizeof g->nodes[k].node, "%s", r->node);
        g->n_nodes++;
    }
    if (k < g->n_nodes)
        g->nodes[k].at_risk++;
}

static void count_holder(pt_guard *g, const char *node)
{
    for (size_t k = 0; k < g->n_nodes; k++)
        if (!strcmp(g->nodes[k].node, node)) {
            g->nodes[k].holding++;
            return;
        }
    if (g->n_nodes < PT_GUARD_NODES) {
        snprintf(g->nodes[g->n_nodes].node, sizeof g->nodes[0].node, "%s", node);
        g->nodes[g->n_nodes++].holding = 1;
    }
}

/* the phones concerned by a change (those of TFTP server `node`, or with
 * `node` in their CallManager group), and which of them it would strand:
 * those not current, or (after a reset) those not holding the reset ITL */
static int tally(pt_cluster *c, const char *node, int by_group, int reset, pt_guard *g, pt_diag *d)
{
    pt_itl_status *rows;
    size_t n;
    int rc = pt_cluster_itl_status(c, &rows, &n, d);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const pt_itl_status *r = &rows[i];
        if (!(by_group ? in_group(r->group, node) : !strcmp(r->node, node)))
            continue; /* does not need what changes */
        if (r->status == PT_ITL_UNKNOWN || r->status == PT_ITL_NOT_INSTALLED) {
            g->no_itl++;
            continue;
        }
        count_holder(g, r->node);
        if (reset ? r->status != PT_ITL_MATCH : !r->current)
            note(g, r);
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
    char sha1[41], signer[32];
    int64_t built;
    node_itl(c, node, sha1, &built, signer, sizeof signer);
    if (strcmp(signer, PT_CERT_ITLRECOVERY))
        return PT_OK; /* the ITL in force is not a reset one */
    g->reset_itl = 1;
    return tally(c, node, 0, 1, g, d);
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
