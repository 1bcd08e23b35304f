/*
 * cmd_import.c - `utils import usecallmanager --sast PEM [--tftp PEM]
 * [--tvs-db FILE] [--capf-db FILE] [--capf PEM] [--model MODEL]`: the
 * installation the usecallmanagernz tools built, brought into the cluster
 * (import.c says what becomes what).
 */
#include "cli.h"

#include "phonetrust/cluster.h"

#include <stdio.h>
#include <string.h>

int cmd_import(const cli_args *a)
{
    pt_import_ucm in = {0};
    in.sast = cli_str(a, "--sast");
    in.tftp = cli_str(a, "--tftp");
    in.tvs_db = cli_str(a, "--tvs-db");
    in.capf_db = cli_str(a, "--capf-db");
    in.capf = cli_str(a, "--capf");
    in.model = cli_str(a, "--model");
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    if (!self.publisher) {
        pt_cluster_close(c);
        fprintf(stderr, "This is not a publisher node\n");
        return EXIT_REFUSED;
    }
    pt_diag d;
    pt_diag_clear(&d);
    pt_import_report r;
    int rc = pt_cluster_import_usecallmanager(c, &in, &r, &d);
    pt_cluster_close(c);
    for (int i = 0; i < r.n_warnings; i++)
        fprintf(stderr, "warning: %s\n", r.warnings[i]);
    if (rc)
        return cli_fail("utils import usecallmanager", rc, &d);
    printf("Imported from the usecallmanager tools:\n");
    printf("  SAST %s: now this publisher's CallManager certificate; the ITL it serves is signed by it\n", in.sast);
    if (in.tftp)
        printf("  %s: kept in every ITL as CCM (SIP-TLS)\n", in.tftp);
    if (in.tvs_db)
        printf("  %s: %d certificates for TVS\n", in.tvs_db, r.tvs_certs);
    if (in.capf_db)
        printf("  %s: %d devices (%d new), %d LSCs, %d operations scheduled\n", in.capf_db, r.devices,
               r.devices_added, r.lscs, r.operations);
    if (in.capf)
        printf("  %s: now the CAPF certificate\n", in.capf);
    printf("Cisco Tftp restarted: phones holding the old ITL take the new one at their next reset\n");
    return EXIT_OK;
}
