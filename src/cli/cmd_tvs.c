/*
 * cmd_tvs.c - `tvs lookup FILE`: what this node's TVS would answer for a
 * certificate, and from which cache (database first, then the CTL).
 */
#include "cli.h"

#include "phonetrust/certcache.h"
#include "phonetrust/fileio.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_open_cluster_node(pt_cluster **c, pt_node *self);

int cmd_tvs(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "lookup"))
        return cli_usage("tvs lookup CERTIFICATE (PEM or DER)");
    pt_diag d;
    pt_diag_clear(&d);
    X509 *x = NULL;
    int rc = pt_pem_load(argv[2], NULL, &x, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster_node(&c, &self);
    if (ex) {
        X509_free(x);
        return ex;
    }
    pt_certcache *db = NULL, *ctl = NULL;
    rc = pt_certcache_from_cluster(c, &db, &d);
    uint8_t *data;
    size_t len;
    if (!rc && pt_cluster_current_ctl(c, self.name, &data, &len, NULL) == PT_OK) {
        pt_certcache_from_ctl(data, len, &ctl, NULL);
        free(data);
    }
    pt_buf der;
    pt_buf_init(&der);
    if (!rc)
        rc = pt_cert_der(x, &der);
    if (!rc) {
        uint8_t roles[PT_MAX_ROLES];
        size_t n;
        const char *source;
        if (pt_tvs_lookup(db, ctl, der.data, der.len, roles, &n, &source)) {
            printf("%s: known to TVS on %s (%s certificate cache): roles", argv[2], self.name, source);
            for (size_t i = 0; i < n; i++)
                printf("%s %s", i ? "," : "", pt_role_name(roles[i]));
            printf("\n");
        } else {
            printf("%s: not known to TVS on %s: it answers status 1 (invalid)\n", argv[2], self.name);
            ex = EXIT_VERIFY;
        }
    }
    pt_buf_free(&der);
    pt_certcache_free(db);
    pt_certcache_free(ctl);
    X509_free(x);
    pt_cluster_close(c);
    return rc ? cli_fail(NULL, rc, &d) : ex;
}
