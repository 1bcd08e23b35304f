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

/* tvs add CERT --roles ROLE[,ROLE...] [--ttl SECONDS] | tvs remove CERT */
static int tvs_edit(int argc, char **argv)
{
    const char *file = NULL, *roles_arg = NULL, *v;
    long ttl = PT_TVS_DEFAULT_TTL;
    int add = !strcmp(argv[1], "add");
    for (int i = 2; i < argc; i++) {
        int m;
        if (add && (m = cli_opt(argc, argv, &i, "--roles", &v))) {
            if (m < 0)
                return cli_usage("--roles needs a value");
            roles_arg = v;
        } else if (add && (m = cli_opt(argc, argv, &i, "--ttl", &v))) {
            if (m < 0 || cli_parse_int(v, 1, 2592000, &ttl))
                return cli_usage("--ttl: 1 to 2592000 seconds");
        } else if (argv[i][0] == '-' || file) {
            return cli_usage("tvs %s: unexpected argument %s", argv[1], argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (!file || (add && !roles_arg))
        return cli_usage("tvs add CERTIFICATE --roles ROLE[,ROLE...] [--ttl SECONDS] | tvs remove CERTIFICATE");
    uint8_t roles[PT_MAX_ROLES];
    size_t n = 0;
    if (add) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", roles_arg);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int r = pt_role_from_name(t);
            if (r < 0 || r > 255 || n == PT_MAX_ROLES)
                return cli_usage("--roles %s: sast, ccm, ccm+tftp, tftp, capf, app-server, tvs", roles_arg);
            roles[n++] = (uint8_t)r;
        }
    }
    pt_diag d;
    pt_diag_clear(&d);
    X509 *x = NULL;
    int rc = pt_pem_load(file, NULL, &x, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    pt_cluster *c;
    int ex = cli_open_cluster_node(&c, NULL);
    if (!ex) {
        rc = add ? pt_cluster_tvs_add(c, x, roles, n, (uint32_t)ttl, &d) : pt_cluster_tvs_remove(c, x, &d);
        pt_cluster_close(c);
    }
    X509_free(x);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cmd_tvs(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "add") || !strcmp(argv[1], "remove")))
        return tvs_edit(argc, argv);
    if (argc != 3 || strcmp(argv[1], "lookup"))
        return cli_usage("tvs lookup CERTIFICATE | tvs add CERTIFICATE --roles ROLE[,ROLE...] [--ttl SECONDS] | "
                         "tvs remove CERTIFICATE");
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
        uint32_t ttl;
        if (pt_tvs_lookup(db, ctl, der.data, der.len, roles, &n, &ttl, &source)) {
            printf("%s: known to TVS on %s (%s certificate cache): roles", argv[2], self.name, source);
            for (size_t i = 0; i < n; i++)
                printf("%s %s", i ? "," : "", pt_role_name(roles[i]));
            printf(", TTL %u\n", ttl);
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
