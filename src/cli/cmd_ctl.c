/*
 * cmd_ctl.c - utils ctl (CUCM's words): set-cluster mixed-mode |
 * non-secure-mode, update CTLFile, reset localkey - the tokenless CTL,
 * signed by the ITLRecovery key; each asks first (--yes: not).
 */
#include "cli.h"

#include "phonetrust/cluster.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char restart_reminder[] =
    "Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services\n";

static int build_and_install_ctl(pt_cluster *c, pt_diag *d)
{
    pt_buf ctl;
    pt_buf_init(&ctl);
    int rc = pt_cluster_build_ctl(c, NULL, NULL, 0, &ctl, d);
    if (!rc)
        rc = pt_cluster_install_ctl(c, ctl.data, ctl.len, d);
    pt_buf_free(&ctl);
    return rc;
}

enum { MIXED, NONSECURE, UPDATE, RESET };

static int utils_ctl(pt_cluster *c, const cli_args *a, int what)
{
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK, mode = pt_cluster_security_mode(c);
    if (what == MIXED) {
        if (mode == 1) {
            printf("The cluster is already in Mixed Mode\n");
            return EXIT_OK;
        }
        if (!cli_confirm(a, "This operation sets the cluster to Mixed mode. Do you want to continue? (y/n):", "y"))
            return EXIT_REFUSED;
        printf("\nMoving Cluster to Mixed Mode\n");
        rc = pt_cluster_set_security_mode(c, 1, &d);
        if (!rc)
            rc = build_and_install_ctl(c, &d);
        if (!rc)
            printf("\nCluster set to Mixed Mode\n\n%s", restart_reminder);
    } else if (what == NONSECURE) {
        if (mode == 0) {
            printf("The cluster is already in Non Secure Mode\n");
            return EXIT_OK;
        }
        if (!cli_confirm(a, "This operation sets the cluster to non-secure mode. Do you want to continue? (y/n):", "y"))
            return EXIT_REFUSED;
        printf("\nMoving Cluster to Non Secure Mode\n");
        /* the CTL stays on servers and phones; its CCM+TFTP records lose their certificates */
        rc = pt_cluster_set_security_mode(c, 0, &d);
        if (!rc)
            rc = build_and_install_ctl(c, &d);
        if (!rc)
            printf("\nCluster set to Non Secure Mode\n\n%s", restart_reminder);
    } else if (what == UPDATE) {
        if (mode != 1) {
            fprintf(stderr, "The cluster is not in Mixed Mode: there is no CTL file to update "
                            "(utils ctl set-cluster mixed-mode)\n");
            return EXIT_REFUSED;
        }
        if (!cli_confirm(a, "This operation updates the CTLFile. Do you want to continue? (y/n):", "y"))
            return EXIT_REFUSED;
        printf("\nUpdating CTL file\n");
        rc = build_and_install_ctl(c, &d); /* tokenless: every eToken record is dropped */
        if (!rc)
            printf("\nCTL file Updated\n\nPlease Restart the TFTP and Cisco CallManager services on all nodes in\n"
                   "the cluster that run these services\n");
    } else {
        /* re-sign the current CTL with the second SAST: the ITLRecovery key */
        uint8_t *cur;
        size_t len;
        if ((rc = pt_cluster_current_ctl(c, NULL, &cur, &len, &d)))
            return cli_fail(NULL, rc, &d);
        if (!cli_confirm(a, "This operation re-signs the CTLFile with the recovery key. Do you want to continue? (y/n):", "y")) {
            free(cur);
            return EXIT_REFUSED;
        }
        printf("\nResetting CTL file\n");
        pt_trustlist tl;
        EVP_PKEY *key = NULL;
        X509 *cert = NULL;
        pt_signer sg = {0};
        pt_buf out;
        pt_buf_init(&out);
        rc = pt_tl_parse(cur, len, &tl, &d);
        if (!rc) {
            rc = pt_cluster_cert_key(c, NULL, PT_CERT_ITLRECOVERY, &key, &cert, &d);
            if (!rc)
                rc = pt_signer_init_key(&sg, key, cert, &d);
            pt_sign_opts o;
            pt_sign_opts_init(&o);
            o.layout = PT_LAYOUT_LEGACY;
            o.signer_version = PT_SIGNER_VERSION_NONE;
            o.hash = tl.hdr.hash;
            o.filename = "CTLFile.tlv";
            if (!rc)
                rc = pt_tl_resign(&out, &sg, &o, &tl, &d);
            pt_tl_free(&tl);
        }
        if (!rc)
            rc = pt_cluster_install_ctl(c, out.data, out.len, &d);
        if (!rc)
            printf("\nCTL file reset, signed by the ITLRecovery key\n\n%s", restart_reminder);
        pt_signer_free(&sg);
        EVP_PKEY_free(key);
        X509_free(cert);
        pt_buf_free(&out);
        free(cur);
    }
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

static int ctl_mixed(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    return utils_ctl(c, a, MIXED);
}

static int ctl_nonsecure(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    return utils_ctl(c, a, NONSECURE);
}

static int ctl_update(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    return utils_ctl(c, a, UPDATE);
}

static int ctl_reset(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    return utils_ctl(c, a, RESET);
}

int cmd_ctl_mixed(const cli_args *a)
{
    return cli_with_cluster(a, 1, ctl_mixed);
}

int cmd_ctl_nonsecure(const cli_args *a)
{
    return cli_with_cluster(a, 1, ctl_nonsecure);
}

int cmd_ctl_update(const cli_args *a)
{
    return cli_with_cluster(a, 1, ctl_update);
}

int cmd_ctl_reset(const cli_args *a)
{
    return cli_with_cluster(a, 1, ctl_reset);
}
