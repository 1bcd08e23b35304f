/*
 * itlrecords.c - certificates the administrator adds to every node's ITL
 * (and to the CTL in mixed mode), each with a role: the PBX's SIP-TLS
 * certificate (CCM), an HTTPS provisioning server (TFTP, EC), XML service
 * servers (APP-SERVER) - what the ITLs open-source PBX administrators serve
 * today carry.  A record that would make any node's ITL (or the CTL) too
 * large for a phone is refused, and nothing is added.
 */
#include "cluster_internal.h"

#include "phonetrust/constants.h"
#include "phonetrust/trustlist.h"

#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int pt_itl_record_role_valid(int role)
{
    return role == PT_ROLE_CCM || role == PT_ROLE_CCM_TFTP || role == PT_ROLE_TFTP || role == PT_ROLE_APP_SERVER;
}

void pt_itl_records_free(pt_itl_record *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++)
        X509_free(r[i].cert);
    free(r);
}

int pt_cluster_itl_records(pt_cluster *c, pt_itl_record **out, size_t *n, pt_diag *d)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT name, role, der FROM itl_records ORDER BY added, name, role", -1, &st,
                           NULL) != SQLITE_OK)
        return pt__db_err(c, d, "reading the ITL records");
    int rc = PT_OK;
    size_t cap = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            pt_itl_record *g = realloc(*out, (cap = cap ? 2 * cap : 8) * sizeof **out);
            if (!g) {
                rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
                break;
            }
            *out = g;
        }
        pt_itl_record *r = &(*out)[*n];
        snprintf(r->name, sizeof r->name, "%s", (const char *)sqlite3_column_text(st, 0));
        r->role = sqlite3_column_int(st, 1);
        const unsigned char *p = sqlite3_column_blob(st, 2);
        r->cert = p ? d2i_X509(NULL, &p, sqlite3_column_bytes(st, 2)) : NULL;
        if (!r->cert)
            rc = pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "ITL record %s is damaged", r->name);
        else
            (*n)++;
    }
    sqlite3_finalize(st);
    if (rc) {
        pt_itl_records_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Every TFTP node's ITL, and the CTL in mixed mode, can still be built. */
static int lists_fit(pt_cluster *c, pt_diag *d)
{
    pt_node *nodes;
    size_t nn;
    int rc = pt_cluster_nodes(c, &nodes, &nn, d);
    for (size_t i = 0; !rc && i < nn; i++) {
        if (!(nodes[i].services & PT_SVC_TFTP))
            continue;
        pt_buf b;
        pt_buf_init(&b);
        if ((rc = pt_cluster_build_itl(c, nodes[i].name, &b, d)))
            pt_diag_prefix(d, rc, "the ITL of node %s", nodes[i].name);
        pt_buf_free(&b);
    }
    free(nodes);
    if (!rc && pt_cluster_security_mode(c) == 1) {
        pt_buf b;
        pt_buf_init(&b);
        if ((rc = pt_cluster_build_ctl(c, NULL, NULL, 0, &b, d)))
            pt_diag_prefix(d, rc, "the CTL");
        pt_buf_free(&b);
    }
    return rc;
}

int pt_cluster_itl_record_add(pt_cluster *c, const char *name, int role, X509 *cert, pt_diag *d)
{
    if (!pt_itl_record_role_valid(role))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                           "role %s cannot be added to the ITL: use ccm, ccm+tftp, tftp or app-server "
                           "(a trust list holds at most 2 SAST records, and the cluster's own)",
                           pt_role_name(role));
    if (!name || !*name || strlen(name) >= sizeof ((pt_itl_record *)0)->name)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "an ITL record needs a name of 1 to 127 characters");
    pt_buf der;
    pt_buf_init(&der);
    if (pt_cert_der(cert, &der)) {
        pt_buf_free(&der);
        return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "cannot encode the certificate");
    }
    int rc = pt__begin(c, d);
    sqlite3_stmt *st = NULL;
    if (!rc && sqlite3_prepare_v2(c->db, "INSERT INTO itl_records (name, role, der, added) VALUES (?, ?, ?, ?)", -1,
                                  &st, NULL) != SQLITE_OK)
        rc = pt__db_err(c, d, "adding an ITL record");
    if (!rc) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, role);
        sqlite3_bind_blob(st, 3, der.data, (int)der.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
        int s = sqlite3_step(st);
        if (s == SQLITE_CONSTRAINT)
            rc = pt_diag_set(d, PT_ERR_EXISTS, PT_NO_OFFSET, "the ITL already has a %s record named %s",
                             pt_role_name(role), name);
        else if (s != SQLITE_DONE)
            rc = pt__db_err(c, d, "adding an ITL record");
    }
    sqlite3_finalize(st);
    pt_buf_free(&der);
    if (!rc)
        rc = lists_fit(c, d);
    if (!rc)
        rc = pt__commit(c, d);
    if (rc)
        pt__rollback(c);
    return rc;
}

int pt_cluster_itl_record_delete(pt_cluster *c, const char *name, int role, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "DELETE FROM itl_records WHERE name = ? AND role = ?", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "deleting an ITL record");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, role);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "deleting an ITL record");
    if (!rc && sqlite3_changes(c->db) == 0)
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "the ITL has no %s record named %s", pt_role_name(role),
                         name);
    sqlite3_finalize(st);
    return rc;
}
