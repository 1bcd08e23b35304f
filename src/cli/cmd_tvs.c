/*
 * cmd_tvs.c - `tvs lookup FILE`: what this node's TVS would answer for a
 * certificate, and from which cache (database first, then the CTL).
 */
#include "cli.h"
#include "json.h"

#include "phonetrust/certcache.h"
#include "phonetrust/fileio.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* tvs add CERT --roles ROLE[,ROLE...] [--ttl DURATION] | tvs remove CERT */
static int tvs_edit(const cli_args *a, int add)
{
    const char *file = cli_arg(a, 0), *roles_arg = add ? cli_str(a, "--roles") : NULL;
    long ttl = add ? cli_ms(a, "--ttl", PT_TVS_DEFAULT_TTL * 1000L) / 1000 : 0;
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
    int ex = cli_open_cluster(&c, NULL);
    if (!ex) {
        rc = add ? pt_cluster_tvs_add(c, x, roles, n, (uint32_t)ttl, &d) : pt_cluster_tvs_remove(c, x, &d);
        pt_cluster_close(c);
    }
    X509_free(x);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cmd_tvs_add(const cli_args *a)
{
    return tvs_edit(a, 1);
}

int cmd_tvs_remove(const cli_args *a)
{
    return tvs_edit(a, 0);
}

static void lookup_json(const char *file, const char *node, int known, const uint8_t *roles, size_t n,
                        const char *source, uint32_t ttl)
{
    json j;
    json_init(&j, stdout);
    json_obj(&j);
    json_key(&j, "certificate");
    json_str(&j, file);
    json_key(&j, "node");
    json_str(&j, node);
    json_key(&j, "known");
    json_bool(&j, known);
    json_key(&j, "status");
    json_int(&j, known ? 0 : 1);
    if (known) {
        json_key(&j, "cache");
        json_str(&j, source);
        json_key(&j, "roles");
        json_arr(&j);
        for (size_t i = 0; i < n; i++)
            json_str(&j, pt_role_name(roles[i]));
        json_end_arr(&j);
        json_key(&j, "ttl_seconds");
        json_int(&j, ttl);
    }
    json_end_obj(&j);
    json_done(&j);
}

int cmd_tvs_lookup(const cli_args *a)
{
    const char *file = cli_arg(a, 0);
    int as_json = cli_on(a, "--json");
    pt_diag d;
    pt_diag_clear(&d);
    X509 *x = NULL;
    int rc = pt_pem_load(file, NULL, &x, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
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
        int known = pt_tvs_lookup(db, ctl, der.data, der.len, roles, &n, &ttl, &source);
        if (as_json) {
            lookup_json(file, self.name, known, roles, n, source, ttl);
            ex = known ? EXIT_OK : EXIT_VERIFY;
        } else if (known) {
            printf("%s: known to TVS on %s (%s certificate cache): roles", file, self.name, source);
            for (size_t i = 0; i < n; i++)
                printf("%s %s", i ? "," : "", pt_role_name(roles[i]));
            printf(", TTL %u\n", ttl);
        } else {
            printf("%s: not known to TVS on %s: it answers status 1 (invalid)\n", file, self.name);
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
