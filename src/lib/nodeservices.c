/*
 * nodeservices.c - the services a node runs: their names, which are active
 * (utils service activate|deactivate) and their restarts (utils service
 * restart), which a running serve follows.
 *
 * A node's active services are the bits of nodes.services.  CAPF runs on
 * the publisher only; deactivated, it leaves the ITL (and the CTL) at their
 * next build and serve turns phones away at its port.
 */
#include "cluster_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *word, *alt;
    int bit;
} words[] = {
    {"tftp", NULL, PT_SVC_TFTP},
    {"tvs", NULL, PT_SVC_TVS},
    {"callmanager", "ccm", PT_SVC_CALLMANAGER},
    {"capf", NULL, PT_SVC_CAPF},
};
#define N_WORDS (sizeof words / sizeof words[0])

int pt_services_parse(const char *s)
{
    int v = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t k = 0;
        while (k < N_WORDS && strcasecmp(t, words[k].word) && !(words[k].alt && !strcasecmp(t, words[k].alt)))
            k++;
        if (k == N_WORDS)
            return -1;
        v |= words[k].bit;
    }
    return v;
}

void pt_services_format(int s, char *out, size_t n)
{
    size_t len = 0;
    if (n)
        out[0] = 0;
    for (size_t k = 0; k < N_WORDS && len < n; k++)
        if (s & words[k].bit)
            len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "", words[k].word);
}

int pt_service_bit(const char *service)
{
    return !strcasecmp(service, PT_SERVICE_TFTP)   ? PT_SVC_TFTP
           : !strcasecmp(service, PT_SERVICE_TVS)  ? PT_SVC_TVS
           : !strcasecmp(service, PT_SERVICE_CAPF) ? PT_SVC_CAPF
                                                   : 0;
}

int pt_cluster_service_activate(pt_cluster *c, const char *node, const char *service, int on, pt_diag *d)
{
    int bit = pt_service_bit(service);
    if (bit != PT_SVC_CAPF)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s cannot be activated or deactivated here%s", service,
                           bit ? " (a node's services are given at node add)" : "");
    pt_node n;
    int rc = pt_cluster_node(c, node, &n, d);
    if (rc)
        return rc;
    if (!n.publisher)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s runs on the publisher only, not on %s", service, node);
    if (!!(n.services & bit) == !!on)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, on ? "UPDATE nodes SET services = services | ?2 WHERE name = ?1"
                                     : "UPDATE nodes SET services = services & ~?2 WHERE name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, on ? "activating a service" : "deactivating a service");
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, bit);
    int ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(c->db) == 1;
    sqlite3_finalize(st);
    return ok ? 1 : pt__db_err(c, d, on ? "activating a service" : "deactivating a service");
}

int pt_cluster_service_restart(pt_cluster *c, const char *node, const char *service, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           "INSERT INTO service_restarts (node, service, generation) VALUES (?1, ?2, 1) "
                           "ON CONFLICT (node, service) DO UPDATE SET generation = generation + 1",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "recording the restart");
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? PT_OK : pt__db_err(c, d, "recording the restart");
}

long long pt_cluster_service_generation(pt_cluster *c, const char *node, const char *service)
{
    sqlite3_stmt *st;
    long long g = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT generation FROM service_restarts WHERE node = ?1 AND service = ?2", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        g = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return g;
}
