/*
 * cmd_itl.c - the administrator's own ITL records:
 *   set itl record add ROLE FILE [--name NAME]
 *   set itl record delete ROLE NAME
 *   show itl records
 * (every node's ITL, and the CTL in mixed mode, carries them from the next
 * `utils service restart "Cisco Tftp"` / `utils ctl update CTLFile`).
 */
#include "cli.h"
#include "json.h"

#include "phonetrust/cert.h"
#include "phonetrust/cluster.h"
#include "phonetrust/trustlist.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

static int role_arg(const char *s, int *role)
{
    *role = pt_role_from_name(s);
    if (*role < 0 || !pt_itl_record_role_valid(*role))
        return cli_usage("%s: the role of an added ITL record is ccm, ccm+tftp, tftp or app-server", s);
    return EXIT_OK;
}

static int record_add(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *file = cli_arg(a, 1), *name = cli_str(a, "--name");
    int role, ex = role_arg(cli_arg(a, 0), &role);
    if (ex)
        return ex;
    X509 *x;
    char base[128];
    if ((ex = cli_load_named_cert(file, name, &x, base, sizeof base)))
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_itl_record_add(c, base, role, x, &d);
    X509_free(x);
    if (rc)
        return cli_fail("set itl record add", rc, &d);
    printf("Added %s to the ITL as %s; every TFTP node serves it after utils service restart \"Cisco Tftp\"\n",
           base, pt_role_name(role));
    return EXIT_OK;
}

static int records_show(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_itl_record *r;
    size_t n;
    pt_diag d;
    int rc = pt_cluster_itl_records(c, &r, &n, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    if (cli_on(a, "--json")) {
        json j;
        json_init(&j, stdout);
        json_arr(&j);
        for (size_t i = 0; i < n; i++) {
            char subject[256];
            X509_NAME_oneline(X509_get_subject_name(r[i].cert), subject, sizeof subject);
            json_obj(&j);
            json_key(&j, "name");
            json_str(&j, r[i].name);
            json_key(&j, "role");
            json_str(&j, pt_role_name(r[i].role));
            json_key(&j, "subject");
            json_str(&j, subject);
            json_end_obj(&j);
        }
        json_end_arr(&j);
        json_done(&j);
        pt_itl_records_free(r, n);
        return EXIT_OK;
    }
    printf("%-24s %-11s %s\n", "Name", "Role", "Subject");
    for (size_t i = 0; i < n; i++) {
        char subject[256];
        X509_NAME_oneline(X509_get_subject_name(r[i].cert), subject, sizeof subject);
        printf("%-24s %-11s %s\n", r[i].name, pt_role_name(r[i].role), subject);
    }
    if (!n)
        printf("(none: the ITL holds only the cluster's own certificates)\n");
    pt_itl_records_free(r, n);
    return EXIT_OK;
}

static int record_delete(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *name = cli_arg(a, 1);
    int role, ex = role_arg(cli_arg(a, 0), &role);
    if (ex)
        return ex;
    pt_diag d;
    int rc = pt_cluster_itl_record_delete(c, name, role, &d);
    if (rc)
        return cli_fail("set itl record delete", rc, &d);
    printf("Deleted %s (%s) from the ITL; every TFTP node drops it after utils service restart \"Cisco Tftp\"\n",
           name, pt_role_name(role));
    return EXIT_OK;
}

int cmd_itl_record_add(const cli_args *a)
{
    return cli_with_cluster(a, 1, record_add);
}

int cmd_itl_record_delete(const cli_args *a)
{
    return cli_with_cluster(a, 1, record_delete);
}

int cmd_show_itl_records(const cli_args *a)
{
    return cli_with_cluster(a, 0, records_show);
}
