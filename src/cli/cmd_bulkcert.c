/*
 * cmd_bulkcert.c - utils bulk-cert export|consolidate|import LOCATION:
 * moving phones between clusters (each cluster exports its TFTP
 * certificates, one consolidates them, the others import the result for
 * TVS).  LOCATION is a directory or sftp://USER@HOST[:PORT]/PATH.
 */
#include "cli.h"

#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sftp.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct location {
    char dir[1024];
    int remote;
    pt_sftp s;
    char host[256], user[128];
} location;

static int parse_location(const char *arg, location *l)
{
    memset(l, 0, sizeof *l);
    if (strncmp(arg, "sftp://", 7)) {
        snprintf(l->dir, sizeof l->dir, "%s", arg);
        return EXIT_OK;
    }
    const char *p = arg + 7, *at = strchr(p, '@'), *slash;
    if (!at || !(slash = strchr(at, '/')))
        return cli_usage("%s: use sftp://USER@HOST[:PORT]/PATH", arg);
    snprintf(l->user, sizeof l->user, "%.*s", (int)(at - p), p);
    snprintf(l->host, sizeof l->host, "%.*s", (int)(slash - at - 1), at + 1);
    char *colon = strrchr(l->host, ':');
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || port < 1 || port > 65535)
            return cli_usage("%s: bad port", arg);
        *colon = '\0';
        l->s.port = (int)port;
    }
    snprintf(l->dir, sizeof l->dir, "%s", slash);
    l->remote = 1;
    l->s.host = l->host;
    l->s.user = l->user;
    return EXIT_OK;
}

static int loc_put(location *l, const char *name, const pt_buf *b, pt_diag *d)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", l->dir, name);
    return l->remote ? pt_sftp_put(&l->s, path, b->data, b->len, d) : pt_file_write_atomic(path, b->data, b->len, 0644, d);
}

static int loc_get(location *l, const char *name, pt_buf *b, pt_diag *d)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", l->dir, name);
    if (l->remote)
        return pt_sftp_get(&l->s, path, b, 1 << 20, d);
    uint8_t *data;
    size_t len;
    int rc = pt_file_read(path, &data, &len, 1 << 20, d);
    if (!rc) {
        pt_buf_put(b, data, len);
        free(data);
    }
    return rc ? pt_diag_prefix(d, rc, "%s", path) : PT_OK;
}

static int loc_list(location *l, pt_buf *names, pt_diag *d)
{
    if (l->remote)
        return pt_sftp_list(&l->s, l->dir, names, d);
    DIR *dir = opendir(l->dir);
    if (!dir)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: cannot open the directory", l->dir);
    struct dirent *e;
    while ((e = readdir(dir))) {
        pt_buf_put(names, e->d_name, strlen(e->d_name));
        pt_buf_put_u8(names, '\n');
    }
    closedir(dir);
    return PT_OK;
}

enum { CONSOLIDATE, EXPORT, IMPORT };

static int bulk_cert(const cli_args *a, int what)
{
    const char *where = cli_arg(a, 0);
    location l;
    int ex = parse_location(where, &l);
    if (ex)
        return ex;
    int url_port = l.s.port;
    cli_sftp_read(a, &l.s);
    if (url_port && cli_on(a, "--port") && url_port != l.s.port)
        return cli_usage("%s: the port is in the address and in --port", where);
    char *pw = NULL;
    if (l.remote && !l.s.identity)
        l.s.password = pw = cli_read_secret("Enter Sftp password :");
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    pt_buf b;
    pt_buf_init(&b);
    if (what == CONSOLIDATE) {
        pt_buf names;
        pt_buf_init(&names);
        rc = loc_list(&l, &names, &d);
        pt_buf bundles[64];
        size_t nb = 0;
        char *save = NULL;
        pt_buf_put_u8(&names, 0);
        for (char *n = rc ? NULL : strtok_r((char *)names.data, "\r\n", &save); !rc && n && nb < 64;
             n = strtok_r(NULL, "\r\n", &save)) {
            size_t k = strlen(n);
            if (k < 5 || strcmp(n + k - 4, ".pem") || !strcmp(n, "consolidated.pem"))
                continue;
            pt_buf_init(&bundles[nb]);
            rc = loc_get(&l, n, &bundles[nb], &d);
            nb++;
        }
        if (!rc && nb == 0)
            rc = pt_diag_set(&d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s holds no exported certificates (*.pem)", where);
        if (!rc)
            rc = pt_bulk_consolidate(bundles, nb, &b, &d);
        if (!rc)
            rc = loc_put(&l, "consolidated.pem", &b, &d);
        if (!rc)
            printf("Consolidated %zu cluster export%s into consolidated.pem\n", nb, nb == 1 ? "" : "s");
        for (size_t i = 0; i < nb; i++)
            pt_buf_free(&bundles[i]);
        pt_buf_free(&names);
    } else {
        pt_cluster *c = NULL;
        pt_node self;
        if ((ex = cli_open_cluster(&c, &self)) == EXIT_OK && (ex = cli_require_publisher(&self)) == EXIT_OK) {
            if (what == EXPORT) {
                char name[512];
                rc = pt_cluster_bulk_export(c, &b, name, sizeof name, &d);
                if (!rc)
                    rc = loc_put(&l, name, &b, &d);
                if (!rc)
                    printf("Exported the TFTP certificates of this cluster as %s\n", name);
            } else {
                int n = 0;
                rc = loc_get(&l, "consolidated.pem", &b, &d);
                if (!rc)
                    rc = pt_cluster_bulk_import(c, b.data, b.len, &n, &d);
                if (!rc)
                    printf("Imported %d certificate%s of other clusters into Phone-SAST-trust and "
                           "CallManager-trust\n", n, n == 1 ? "" : "s");
            }
        }
        if (c)
            pt_cluster_close(c);
    }
    pt_buf_free(&b);
    cli_free_secret(pw);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cmd_bulk_export(const cli_args *a)
{
    return bulk_cert(a, EXPORT);
}

int cmd_bulk_consolidate(const cli_args *a)
{
    return bulk_cert(a, CONSOLIDATE);
}

int cmd_bulk_import(const cli_args *a)
{
    return bulk_cert(a, IMPORT);
}
