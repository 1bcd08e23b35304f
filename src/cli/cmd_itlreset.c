/*
 * cmd_itlreset.c - utils itl reset localkey | remotekey HOST USER PATH:
 * every TFTP node's ITL re-signed with the ITLRecovery key (remotekey: the
 * key saved by file get tftp ITLRecovery.p12, fetched back over SFTP first),
 * so phones that hold the current ITL accept the next one.
 */
#include "cli.h"

#include "phonetrust/cluster.h"
#include "phonetrust/sftp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_progress(const char *line, void *arg)
{
    (void)arg;
    fputs(line, stdout);
    fflush(stdout);
}

static int itl_reset(pt_cluster *c, const cli_args *a, int remote)
{
    pt_sftp s = {0};
    const char *pos[3] = {cli_arg(a, 0), cli_arg(a, 1), cli_arg(a, 2)};
    if (remote)
        cli_sftp_read(a, &s);
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    char *sftp_pw = NULL;
    if (remote) {
        s.host = pos[0];
        s.user = pos[1];
        if (!s.identity)
            s.password = sftp_pw = cli_read_secret("Enter Sftp password :");
    }
    char *pw = cli_read_secret("Enter CCM Administrator password :");
    rc = pw ? pt_cluster_check_admin_password(c, pw, &d) : PT_ERR_AUTH;
    cli_free_secret(pw);
    if (rc && !d.msg[0])
        pt_diag_set(&d, PT_ERR_AUTH, PT_NO_OFFSET, "no CCM Administrator password given");
    if (!rc && remote) {
        /* fetch the saved key; it replaces the local one (001), then the ITL carries it again */
        pt_buf p12;
        pt_buf_init(&p12);
        p12.secret = 1;
        rc = pt_sftp_get(&s, pos[2], &p12, 1 << 20, &d);
        char *secpw = rc ? NULL : cli_read_secret("Enter the cluster security password:");
        if (!rc)
            rc = pt_cluster_itlrecovery_import_p12(c, secpw, p12.data, p12.len, &d);
        cli_free_secret(secpw);
        pt_buf_free(&p12);
        pt_node pub;
        if (!rc && !(rc = pt_cluster_publisher(c, &pub, &d)))
            rc = pt_cluster_tftp_restart(c, pub.name, &d);
    }
    cli_free_secret(sftp_pw);
    if (rc)
        return cli_fail(NULL, rc, &d);
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    pt_signer sg = {0};
    rc = pt_cluster_cert_key(c, NULL, "ITLRecovery", &key, &cert, &d);
    if (!rc)
        rc = pt_signer_init_key(&sg, key, cert, &d);
    if (!rc)
        rc = pt_cluster_itl_reset(c, &sg, print_progress, NULL, &d);
    pt_signer_free(&sg);
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

static int reset_localkey(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    return itl_reset(c, a, 0);
}

static int reset_remotekey(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    return itl_reset(c, a, 1);
}

int cmd_itl_reset_localkey(const cli_args *a)
{
    return cli_with_cluster(a, 1, reset_localkey);
}

int cmd_itl_reset_remotekey(const cli_args *a)
{
    return cli_with_cluster(a, 1, reset_remotekey);
}
