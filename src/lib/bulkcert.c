/*
 * bulkcert.c - bulk certificate management between clusters (M20, seed
 * 000): each cluster exports its TFTP (CallManager) certificates, the
 * exports are consolidated into one file, and every cluster imports the
 * others' certificates into Phone-SAST-trust and CallManager-trust - so
 * its TVS vouches for the other cluster's ITL signer and phones can move.
 *
 * An export is a PEM bundle with comment lines naming the cluster and the
 * node of each certificate:
 *   # phonetrust bulk certificate export
 *   # cluster: pub.lab.example
 *   # node: pub
 *   -----BEGIN CERTIFICATE-----
 */
#include "cluster_internal.h"

#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cluster_id(pt_cluster *c, char *out, size_t n)
{
    pt_node pub;
    if (pt_cluster_publisher(c, &pub, NULL) == PT_OK)
        snprintf(out, n, "%s.%s", pub.name, c->domain);
    else
        snprintf(out, n, "%s", c->domain);
}

int pt_cluster_bulk_export(pt_cluster *c, pt_buf *out, char *name, size_t name_len, pt_diag *d)
{
    char id[400];
    cluster_id(c, id, sizeof id);
    snprintf(name, name_len, "%s.pem", id);
    pt_node *nodes;
    size_t nn;
    int rc = pt_cluster_nodes(c, &nodes, &nn, d);
    if (rc)
        return rc;
    char line[512];
    snprintf(line, sizeof line, "# phonetrust bulk certificate export\n# cluster: %s\n", id);
    pt_buf_put(out, line, strlen(line));
    for (size_t i = 0; !rc && i < nn; i++) {
        if (!(nodes[i].services & PT_SVC_TFTP))
            continue;
        X509 *x;
        if ((rc = pt_cluster_cert(c, nodes[i].name, PT_CERT_CALLMANAGER, &x, d)))
            break;
        BIO *bio = BIO_new(BIO_s_mem());
        if (bio && PEM_write_bio_X509(bio, x)) {
            char *p;
            long n = BIO_get_mem_data(bio, &p);
            snprintf(line, sizeof line, "# node: %s\n", nodes[i].name);
            pt_buf_put(out, line, strlen(line));
            pt_buf_put(out, p, (size_t)n);
        } else {
            rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot write a certificate");
        }
        BIO_free(bio);
        X509_free(x);
    }
    free(nodes);
    return rc ? rc : pt_buf_error(out);
}

/* Walks a bundle: calls fn(cluster, node, pem, len) for each certificate block. */
static int walk_bundle(const uint8_t *data, size_t len,
                       int (*fn)(const char *cluster, const char *node, const char *pem, size_t n, void *arg),
                       void *arg, pt_diag *d)
{
    char cluster[256] = "", node[128] = "";
    size_t i = 0, block = 0;
    int in_block = 0, count = 0;
    while (i < len) {
        const uint8_t *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) + 1 : len;
        const char *l = (const char *)data + i;
        size_t ll = end - i;
        if (!in_block && ll > 11 && !strncmp(l, "# cluster: ", 11))
            snprintf(cluster, sizeof cluster, "%.*s", (int)(ll - 11 - (l[ll - 1] == '\n')), l + 11);
        else if (!in_block && ll > 8 && !strncmp(l, "# node: ", 8))
            snprintf(node, sizeof node, "%.*s", (int)(ll - 8 - (l[ll - 1] == '\n')), l + 8);
        else if (!in_block && ll >= 27 && !strncmp(l, "-----BEGIN CERTIFICATE-----", 27))
            in_block = 1, block = i;
        else if (in_block && ll >= 25 && !strncmp(l, "-----END CERTIFICATE-----", 25)) {
            in_block = 0;
            if (!cluster[0] || !node[0])
                return pt_diag_set(d, PT_ERR_FORMAT, block, "a certificate without '# cluster:' and '# node:' lines");
            int rc = fn(cluster, node, (const char *)data + block, end - block, arg);
            if (rc)
                return rc;
            count++;
        }
        i = end;
    }
    if (in_block)
        return pt_diag_set(d, PT_ERR_TRUNCATED, block, "a certificate block is not closed");
    return count ? PT_OK : pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "no certificates in the bundle");
}

typedef struct consolidate_ctx {
    pt_buf *out;
    char seen[256][41];
    int nseen;
    pt_diag *d;
} consolidate_ctx;

static int add_to_consolidated(const char *cluster, const char *node, const char *pem, size_t n, void *arg)
{
    consolidate_ctx *cc = arg;
    X509 *x;
    if (pt_pem_load_mem((const uint8_t *)pem, n, "bulk certificate", NULL, &x, cc->d))
        return PT_ERR_KEY;
    uint8_t dg[20];
    size_t dn;
    char hex[41];
    pt_cert_digest(x, 1, dg, &dn);
    X509_free(x);
    pt_hex(dg, dn, hex);
    for (int i = 0; i < cc->nseen; i++)
        if (!strcmp(cc->seen[i], hex))
            return PT_OK; /* the same certificate twice */
    if (cc->nseen < 256)
        memcpy(cc->seen[cc->nseen++], hex, 41);
    char line[512];
    snprintf(line, sizeof line, "# cluster: %s\n# node: %s\n", cluster, node);
    pt_buf_put(cc->out, line, strlen(line));
    pt_buf_put(cc->out, pem, n);
    return PT_OK;
}

int pt_bulk_consolidate(const pt_buf *bundles, size_t n, pt_buf *out, pt_diag *d)
{
    consolidate_ctx cc = {.out = out, .d = d};
    pt_buf_put_lit(out, "# phonetrust bulk certificates, consolidated\n");
    for (size_t i = 0; i < n; i++) {
        int rc = walk_bundle(bundles[i].data, bundles[i].len, add_to_consolidated, &cc, d);
        if (rc)
            return rc;
    }
    return pt_buf_error(out);
}

typedef struct import_ctx {
    pt_cluster *c;
    char self[400];
    int imported;
    pt_diag *d;
} import_ctx;

static int import_one(const char *cluster, const char *node, const char *pem, size_t n, void *arg)
{
    import_ctx *ic = arg;
    if (!strcmp(cluster, ic->self))
        return PT_OK; /* our own certificates */
    X509 *x;
    int rc = pt_pem_load_mem((const uint8_t *)pem, n, "bulk certificate", NULL, &x, ic->d);
    if (rc)
        return rc;
    char name[256];
    snprintf(name, sizeof name, "%s_%s", cluster, node);
    /* TVS then answers SAST and TFTP for it (seed 002: {0,3}) */
    static const char *const stores[] = {"Phone-SAST-trust", "CallManager-trust"};
    for (int i = 0; i < 2 && !rc; i++) {
        pt_cluster_trust_delete(ic->c, stores[i], name, NULL); /* re-import replaces */
        rc = pt_cluster_trust_import(ic->c, stores[i], name, x, ic->d);
    }
    X509_free(x);
    if (!rc)
        ic->imported++;
    return rc;
}

int pt_cluster_bulk_import(pt_cluster *c, const uint8_t *data, size_t len, int *imported, pt_diag *d)
{
    import_ctx ic = {.c = c, .d = d};
    cluster_id(c, ic.self, sizeof ic.self);
    int rc = pt__begin(c, d);
    if (rc)
        return rc;
    rc = walk_bundle(data, len, import_one, &ic, d);
    if (rc) {
        pt__rollback(c);
        return rc;
    }
    *imported = ic.imported;
    return pt__commit(c, d);
}
