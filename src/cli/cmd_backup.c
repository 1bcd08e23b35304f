/*
 * cmd_backup.c - utils disaster_recovery backup FILE | restore FILE
 * [--force]: the cluster's disaster-recovery archive (src/lib/backup.c).
 *
 * A restore into an empty home makes the cluster there.  Over an existing
 * cluster it is built beside it and compared first: if the restored
 * cluster would sign the phones' next ITL with a certificate they neither
 * hold nor can have vouched for (an older backup, from before a
 * CallManager and TVS change), the restore is refused, naming them, unless
 * --force.  The replaced cluster is kept beside the home.
 */
#include "cli.h"

#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    int force;
} restore_args;

static int restore_check(pt_cluster *cur, pt_cluster *res, void *arg, pt_diag *d)
{
    const restore_args *a = arg;
    pt_guard g;
    int rc = pt_cluster_guard_restore(cur, res, &g, d);
    if (rc)
        return rc;
    if (!g.at_risk)
        return PT_OK;
    if (a->force) {
        cli_guard_forced(&g, " whose ITL the restored cluster's signer is not in");
        return PT_OK;
    }
    char phones[256], why[640];
    pt_guard_phones(&g, phones, sizeof phones);
    snprintf(why, sizeof why,
             "Restoring this backup now would strand %zu phone%s (%s): the restored cluster signs\n"
             "their next ITL with a certificate their ITL does not hold, and no TVS they can reach vouches for it\n"
             "(a backup from before a CallManager and TVS change).",
             g.at_risk, g.at_risk == 1 ? "" : "s", phones);
    cli_guard_refused(&g, why, "restore");
    return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "restore refused");
}

static int restore(const char *file, const char *pw, int force, pt_diag *d)
{
    uint8_t *data;
    size_t len;
    int rc = pt_file_read(file, &data, &len, 1u << 30, d);
    if (rc)
        return rc;
    char db[PATH_MAX];
    struct stat st;
    int over = snprintf(db, sizeof db, "%s/cluster.db", cli_home_dir()) < (int)sizeof db && stat(db, &st) == 0;
    if (!over) {
        rc = pt_cluster_restore(data, len, pw, cli_home_dir(), d);
        if (!rc)
            printf("Restored %s into %s\n", file, cli_home_dir());
    } else {
        /* the current cluster must be one this user may change */
        pt_cluster *c;
        int ex = cli_open_cluster(&c, NULL);
        if (ex) {
            free(data);
            return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "the current cluster cannot be opened");
        }
        pt_cluster_close(c);
        restore_args a = {force};
        char kept[PATH_MAX];
        rc = pt_cluster_restore_over(data, len, pw, cli_home_dir(), restore_check, &a, kept, sizeof kept, d);
        if (!rc)
            printf("Restored %s into %s; the cluster it replaced is kept in %s.\n"
                   "Restart phonetrust serve on every node so that they serve the restored cluster.\n",
                   file, cli_home_dir(), kept);
    }
    free(data);
    return rc;
}

static int disaster_recovery(const char *file, int backup, int force)
{
    pt_diag d;
    pt_diag_clear(&d);
    int rc;
    char *pw = cli_read_secret("Enter the cluster security password:");
    if (!pw)
        return cli_usage("no cluster security password given");
    if (backup) {
        pt_cluster *c;
        int ex = cli_open_cluster(&c, NULL);
        if (ex) {
            cli_free_secret(pw);
            return ex;
        }
        pt_buf b;
        pt_buf_init(&b);
        rc = pt_cluster_backup(c, pw, &b, &d);
        if (!rc)
            rc = pt_file_write_atomic(file, b.data, b.len, 0600, &d);
        if (!rc)
            printf("Backup of %s written to %s (%zu bytes, encrypted with the cluster security password)\n",
                   cli_home_dir(), file, b.len);
        pt_buf_free(&b);
        pt_cluster_close(c);
    } else {
        rc = restore(file, pw, force, &d);
    }
    cli_free_secret(pw);
    if (rc == PT_ERR_REFUSED && !strcmp(d.msg, "restore refused"))
        return EXIT_REFUSED; /* the guard said why */
    return rc ? cli_fail(file, rc, &d) : EXIT_OK;
}

int cmd_backup(const cli_args *a)
{
    return disaster_recovery(cli_arg(a, 0), 1, 0);
}

int cmd_restore(const cli_args *a)
{
    return disaster_recovery(cli_arg(a, 0), 0, cli_on(a, "--force"));
}
