/*
 * cmd_file.c - CUCM's file commands: `file get tftp ITLRecovery.p12` (the
 * recovery key, backed up here or to an SFTP server) and `file delete tftp
 * CTLFile.tlv` (a stale CTL after leaving mixed mode); and the SFTP options
 * every command that reaches a server shares.
 */
#include "cli.h"

#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sftp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cli_sftp_read(const cli_args *a, pt_sftp *s)
{
    if (cli_on(a, "--port"))
        s->port = (int)cli_num(a, "--port", 22);
    if (cli_on(a, "--identity"))
        s->identity = cli_str(a, "--identity");
    if (cli_on(a, "--known-hosts"))
        s->known_hosts = cli_str(a, "--known-hosts");
    if (cli_on(a, "--accept-host-key"))
        s->accept_new = 1;
}

/* file delete tftp CTLFile.tlv (CUCM's words), on the current node; the
 * table takes no other file */
int cmd_file_delete(const cli_args *a)
{
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK, found = 0;
    if (!cli_confirm(a, "Delete the File CTLFile.tlv?\nEnter \"y\" followed by return to continue: ", "y")) {
        pt_cluster_close(c);
        return EXIT_REFUSED;
    }
    rc = pt_cluster_delete_ctl(c, self.name, &found, &d);
    if (!rc)
        printf("files: found = %d, deleted = %d\n", found, found);
    pt_cluster_close(c);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

/* file get tftp ITLRecovery.p12 (CUCM's words): the recovery key, backed up */
int cmd_file_get(const cli_args *a)
{
    pt_sftp s = {0};
    cli_sftp_read(a, &s);
    const char *server = cli_str(a, "--server"), *user = cli_str(a, "--user"), *dir = cli_str(a, "--dir");
    int yes = cli_on(a, "--yes"), ex;
    pt_cluster *c;
    pt_node self;
    if ((ex = cli_open_cluster(&c, &self)))
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    /* the .p12 password derives from it: cluster.db alone does not open the file */
    int found = !strcmp(cli_arg(a, 0), "ITLRecovery.p12") && self.publisher;
    char *secpw = found ? cli_read_secret("Enter the cluster security password:") : NULL;
    printf("Please wait while the system is gathering files info ...");
    if (!found) {
        /* the recovery key lives on the publisher only (001) */
        printf("done.\nFile not found\n");
        pt_cluster_close(c);
        return EXIT_IO;
    }
    pt_buf p12;
    pt_buf_init(&p12);
    int rc = pt_cluster_itlrecovery_p12(c, secpw, &p12, &d);
    cli_free_secret(secpw);
    char *srv = NULL, *port = NULL, *uid = NULL, *pw = NULL, *ddir = NULL;
    if (!rc) {
        printf("done.\nSub-directories were not traversed.\nNumber of files affected: 1\n"
               "Total size in Bytes: %zu\nTotal size in Kbytes: %.8g\n", p12.len, p12.len / 1024.0);
        if (!yes) {
            char *ans = cli_ask_line("Would you like to proceed [y/n]? ", NULL);
            int go = ans && (!strcasecmp(ans, "y") || !strcasecmp(ans, "yes"));
            free(ans);
            if (!go) {
                printf("Cancelled\n");
                pt_buf_free(&p12);
                pt_cluster_close(c);
                return EXIT_REFUSED;
            }
        } else {
            printf("Would you like to proceed [y/n]? y\n");
        }
        s.host = server ? server : (srv = cli_ask_line("SFTP server IP: ", NULL));
        if (!s.port) {
            port = cli_ask_line("SFTP server port [22]: ", "22");
            char *end;
            long pn = port ? strtol(port, &end, 10) : 0;
            s.port = port && *port && !*end && pn >= 1 && pn <= 65535 ? (int)pn : 22;
        }
        s.user = user ? user : (uid = cli_ask_line("User ID: ", NULL));
        if (!s.identity)
            s.password = pw = cli_read_secret("Password: ");
        const char *target = dir ? dir : (ddir = cli_ask_line("Download directory: ", NULL));
        char remote[1024];
        snprintf(remote, sizeof remote, "%s%sITLRecovery.p12", target ? target : "",
                 target && *target && target[strlen(target) - 1] != '/' ? "/" : "");
        rc = pt_sftp_put(&s, remote, p12.data, p12.len, &d);
        if (!rc) {
            printf(".\nTransfer completed.\nDownloading file: ITLRecovery.p12\n");
            rc = pt_cluster_itlrecovery_backed_up(c, &d);
        }
    }
    free(srv);
    free(port);
    free(uid);
    free(ddir);
    if (pw) {
        pt_wipe(pw, strlen(pw));
        free(pw);
    }
    pt_buf_free(&p12);
    pt_cluster_close(c);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}
