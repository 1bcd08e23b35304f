/*
 * cmd_itl.c - the administrator's own ITL records:
 *   set itl record add ROLE FILE [--name NAME]
 *   set itl record delete ROLE NAME
 *   show itl records
 * (every node's ITL, and the CTL in mixed mode, carries them from the next
 * `utils service restart "Cisco Tftp"` / `utils ctl update CTLFile`).
 */
#include "cli.h"

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

static int record_add(pt_cluster *c, int argc, char **argv)
{
    const char *role_s, *file, *name;
    int ex = cli_kind_file_name(argc, argv, 3, "set itl record add", "set itl record add ROLE FILE [--name NAME]",
                                &role_s, &file, &name);
    int role;
    if (ex || (ex = role_arg(role_s, &role)))
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

static int records_show(pt_cluster *c)
{
    pt_itl_record *r;
    size_t n;
    pt_diag d;
    int rc = pt_cluster_itl_records(c, &r, &n, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
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

int cluster_itl_records(pt_cluster *c, int argc, char **argv)
{
    /* argv: "itl" "record" ... (set) or "itl" "records" (show) */
    if (argc == 2 && !strcmp(argv[1], "records"))
        return records_show(c);
    if (argc >= 3 && !strcmp(argv[1], "record") && !strcmp(argv[2], "add"))
        return record_add(c, argc, argv);
    if (argc >= 3 && !strcmp(argv[1], "record") && !strcmp(argv[2], "delete")) {
        if (argc != 5)
            return cli_usage("set itl record delete ROLE NAME");
        int role, ex = role_arg(argv[3], &role);
        if (ex)
            return ex;
        pt_diag d;
        int rc = pt_cluster_itl_record_delete(c, argv[4], role, &d);
        if (rc)
            return cli_fail("set itl record delete", rc, &d);
        printf("Deleted %s (%s) from the ITL; every TFTP node drops it after utils service restart \"Cisco Tftp\"\n",
               argv[4], pt_role_name(role));
        return EXIT_OK;
    }
    return cli_usage("expected 'set itl record add ROLE FILE [--name NAME]', 'set itl record delete ROLE NAME' "
                     "or 'show itl records'");
}
