/*
 * ctl.c - the cluster's CTL (M9, M10, seed 002): built only by the
 * administrator (utils ctl ...) or the CTL client, never by a TFTP
 * restart, and the same file on every TFTP node.
 *
 * Tokenless: signed by the publisher's CallManager key; records: the
 * publisher's CallManager (SAST), then for each CallManager/TFTP node its
 * CallManager certificate as CCM+TFTP with DNS name and IP address, the
 * publisher's CAPF and ITLRecovery (a second SAST, so utils ctl reset
 * localkey has a key to re-sign with).  With hardware tokens: every
 * token's certificate as SAST instead of the publisher's, signed by the
 * first token.  After set-cluster non-secure-mode the CCM+TFTP records
 * keep only their DNS name, function and IP address.
 */
#include "cluster_internal.h"

#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pt_cluster_security_mode(pt_cluster *c)
{
    char v[8];
    pt_cluster_param_get(c, "Cluster Security Mode", v, sizeof v, NULL);
    return atoi(v);
}

int pt_cluster_set_security_mode(pt_cluster *c, int mode, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO params (name, value) VALUES ('Cluster Security Mode', ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "setting the security mode");
    sqlite3_bind_int(st, 1, mode);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "setting the security mode");
    sqlite3_finalize(st);
    if (!rc && mode == 1) /* auto-registration is allowed in non-secure mode only */
        rc = pt__exec(c, "INSERT OR REPLACE INTO params (name, value) VALUES ('Auto-registration', 'False')", d);
    return rc;
}

#define MAX_CTL 64

int pt_cluster_build_ctl(pt_cluster *c, const pt_signer *signer, X509 *const *tokens, size_t ntokens,
                         pt_buf *out, pt_diag *d)
{
    pt_node *nodes = NULL, pub;
    size_t nn = 0;
    int rc = pt_cluster_publisher(c, &pub, d);
    if (!rc)
        rc = pt_cluster_nodes(c, &nodes, &nn, d);
    if (rc)
        return rc;
    int secure = pt_cluster_security_mode(c) == 1;
    X509 *owned[MAX_CTL];
    size_t no = 0;
    pt_tl_entry e[MAX_CTL];
    size_t n = 0;
    EVP_PKEY *key = NULL;
    X509 *cm = NULL, *x;
    pt_signer own = {0};
    if ((rc = pt_cluster_cert_key(c, pub.name, PT_CERT_CALLMANAGER, &key, &cm, d))) {
        free(nodes);
        return rc;
    }
    owned[no++] = cm;
    pt_tl_entry pb = {.dns_name = pub.name};
    pb.has_ip = pt__is_ipv4(pub.ip, pb.ip);
    for (size_t i = 0; i < ntokens && n < MAX_CTL; i++)
        e[n++] = (pt_tl_entry){.cert = tokens[i], .role = PT_ROLE_SAST};
    if (!ntokens)
        e[n] = pb, e[n].cert = cm, e[n].role = PT_ROLE_SAST, n++;
    for (size_t i = 0; !rc && i < nn && n + 3 < MAX_CTL; i++) {
        if (!(nodes[i].services & (PT_SVC_CALLMANAGER | PT_SVC_TFTP)))
            continue;
        pt_tl_entry nb = {.dns_name = nodes[i].name, .partial = !secure};
        nb.has_ip = pt__is_ipv4(nodes[i].ip, nb.ip);
        if (nodes[i].publisher) {
            e[n] = nb, e[n].cert = cm, e[n].role = PT_ROLE_CCM_TFTP, n++;
            if ((nodes[i].services & PT_SVC_CAPF) && !(rc = pt_cluster_cert(c, pub.name, PT_CERT_CAPF, &x, d))) {
                owned[no++] = x;
                e[n] = pb, e[n].cert = x, e[n].role = PT_ROLE_CAPF, n++;
            }
            if (!rc && !ntokens && !(rc = pt_cluster_cert(c, pub.name, PT_CERT_ITLRECOVERY, &x, d))) {
                owned[no++] = x;
                e[n] = pb, e[n].cert = x, e[n].role = PT_ROLE_SAST, n++;
            }
        } else if (!(rc = pt_cluster_cert(c, nodes[i].name, PT_CERT_CALLMANAGER, &x, d))) {
            owned[no++] = x;
            e[n] = nb, e[n].cert = x, e[n].role = PT_ROLE_CCM_TFTP, n++;
        }
    }
    /* the administrator's ITL records (SIP-TLS, HTTPS, services) too */
    pt_itl_record *extra = NULL;
    size_t nx = 0;
    if (!rc && secure)
        rc = pt_cluster_itl_records(c, &extra, &nx, d);
    for (size_t i = 0; !rc && i < nx; i++) {
        if (n == MAX_CTL) {
            rc = pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET, "a CTL holds at most %d records", MAX_CTL);
            break;
        }
        e[n++] = (pt_tl_entry){.cert = extra[i].cert, .role = extra[i].role};
    }
    if (!rc && !signer) {
        rc = pt_signer_init_key(&own, key, cm, d);
        signer = &own;
    }
    if (!rc) {
        pt_sign_opts o;
        pt__sign_opts_cucm(&o, "CTLFile.tlv");
        rc = pt_tl_build(out, signer, &o, e, n, d);
    }
    pt_signer_free(&own);
    pt_itl_records_free(extra, nx);
    for (size_t i = 0; i < no; i++)
        X509_free(owned[i]);
    EVP_PKEY_free(key);
    free(nodes);
    return rc;
}

int pt_cluster_install_ctl(pt_cluster *c, const uint8_t *data, size_t len, pt_diag *d)
{
    pt_node *nodes;
    size_t nn;
    int rc = pt_cluster_nodes(c, &nodes, &nn, d);
    for (size_t i = 0; !rc && i < nn; i++) {
        if (!(nodes[i].services & PT_SVC_TFTP))
            continue;
        rc = pt__served_write(c, nodes[i].name, "CTLFile.tlv", data, len, d);
    }
    free(nodes);
    return rc;
}

int pt_cluster_current_ctl(pt_cluster *c, const char *node, uint8_t **data, size_t *len, pt_diag *d)
{
    pt_node pub;
    if (!node) {
        int rc = pt_cluster_publisher(c, &pub, d);
        if (rc)
            return rc;
        node = pub.name;
    }
    char dir[PATH_MAX], path[PATH_MAX];
    if (pt_cluster_tftp_dir(c, node, dir, sizeof dir) || pt_path_join(path, sizeof path, dir, "CTLFile.tlv"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long");
    if (access(path, F_OK) != 0)
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "CTL File not found");
    return pt_file_read(path, data, len, PT_FILE_MAX, d);
}

int pt_cluster_delete_ctl(pt_cluster *c, const char *node, int *found, pt_diag *d)
{
    return pt__served_unlink(c, node, "CTLFile.tlv", found, d);
}
