/*
 * homestage.c - a new cluster home (install, restore) is built whole, then
 * put in place: all of it, or none of it.
 *
 * A home that does not exist yet is built beside it and renamed into
 * place.  A home that exists and is empty - /var/lib/phonetrust, made by
 * the package for the service user, who cannot write /var/lib - is built
 * in a staging directory inside it (.install-XXXXXX); its entries are then
 * moved up, cluster.db last (a home is a cluster once cluster.db is
 * there), and the staging directory is removed after that.  So a home that
 * holds a staging directory and no cluster.db was being filled when the
 * command died: everything in it was put there by that command, and the
 * next install or restore clears it and starts again.  A command killed
 * after cluster.db moved up but before the staging directory went leaves
 * that directory empty: the next command to open the cluster removes it
 * (pt__home_stage_tidy).
 */
#include "cluster_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_stage(const char *name)
{
    return !strncmp(name, ".install-", 9) || !strncmp(name, ".restore-", 9);
}

/* empty: 1 when home holds nothing; half: 1 when it holds a staging
 * directory and no cluster.db (a placement that died) */
static int scan(const char *home, int *empty, int *half)
{
    DIR *dir = opendir(home);
    if (!dir)
        return -1;
    int any = 0, stage = 0, db = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        any = 1;
        stage |= is_stage(e->d_name);
        db |= !strcmp(e->d_name, "cluster.db");
    }
    closedir(dir);
    *empty = !any;
    *half = stage && !db;
    return 0;
}

/* everything in dir, dir itself kept */
static void clear(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
            pt__rm_tree(path);
    }
    closedir(d);
}

/* PT_OK when home may become a cluster; *exists and *half (a placement
 * that died, to clear) say how it stands */
static int usable(const char *home, int *exists, int *half, pt_diag *d)
{
    struct stat st;
    *exists = *half = 0;
    if (stat(home, &st) != 0)
        return PT_OK;
    *exists = 1;
    if (!S_ISDIR(st.st_mode))
        return pt_diag_set(d, PT_ERR_EXISTS, PT_NO_OFFSET, "%s exists and is not a directory", home);
    int empty;
    if (scan(home, &empty, half) != 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", home, strerror(errno));
    if (!empty && !*half)
        return pt_diag_set(d, PT_ERR_EXISTS, PT_NO_OFFSET,
                           "%s already holds a cluster (or other files); choose another --home", home);
    return PT_OK;
}

int pt__home_stage_check(const char *home, pt_diag *d)
{
    int exists, half;
    return usable(home, &exists, &half, d);
}

int pt__home_stage_begin(pt__home_stage *h, const char *home, const char *what, pt_diag *d)
{
    memset(h, 0, sizeof *h);
    snprintf(h->home, sizeof h->home, "%s", home);
    int exists, half, n;
    int rc = usable(home, &exists, &half, d);
    if (rc)
        return rc;
    if (!exists) {
        n = snprintf(h->tmp, sizeof h->tmp, "%s.%s-XXXXXX", home, what);
    } else {
        if (half)
            clear(home); /* what a killed install or restore left: ours alone */
        h->inside = 1;
        n = snprintf(h->tmp, sizeof h->tmp, "%s/.%s-XXXXXX", home, what);
    }
    if (n < 0 || (size_t)n >= sizeof h->tmp)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: the path is too long", home);
    if (!mkdtemp(h->tmp))
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create %s: %s", home, strerror(errno));
    chmod(h->tmp, 0700); /* the home holds the keys and the database: the service's own */
    return PT_OK;
}

static int move_up(pt__home_stage *h, const char *name, pt_diag *d)
{
    char from[PATH_MAX], to[PATH_MAX];
    if (snprintf(from, sizeof from, "%s/%s", h->tmp, name) >= (int)sizeof from ||
        snprintf(to, sizeof to, "%s/%s", h->home, name) >= (int)sizeof to)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s/%s: the path is too long", h->home, name);
    if (rename(from, to) != 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot move %s into %s: %s", name, h->home, strerror(errno));
    return PT_OK;
}

int pt__home_stage_commit(pt__home_stage *h, pt_diag *d)
{
    if (!h->inside) {
        if (rename(h->tmp, h->home) != 0)
            return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create %s: %s", h->home, strerror(errno));
        return PT_OK;
    }
    DIR *dir = opendir(h->tmp);
    if (!dir)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", h->tmp, strerror(errno));
    int rc = PT_OK, db = 0;
    struct dirent *e;
    while (!rc && (e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!strcmp(e->d_name, "cluster.db"))
            db = 1;
        else
            rc = move_up(h, e->d_name, d);
    }
    closedir(dir);
    if (!rc && !db)
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "no cluster database was made");
    if (!rc)
        rc = move_up(h, "cluster.db", d); /* from here on, the home is a cluster */
    if (rc)
        return rc;
    int fd = open(h->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    chmod(h->home, 0700);
    rmdir(h->tmp);
    return PT_OK;
}

void pt__home_stage_tidy(const char *home)
{
    DIR *dir = opendir(home);
    if (!dir)
        return;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(dir)))
        if (is_stage(e->d_name) && snprintf(path, sizeof path, "%s/%s", home, e->d_name) < (int)sizeof path)
            rmdir(path); /* only when empty: a placement still moving entries keeps its own */
    closedir(dir);
}

void pt__home_stage_abort(pt__home_stage *h)
{
    if (!h->inside) {
        pt__rm_tree(h->tmp);
        return;
    }
    /* entries already moved up go too: the home is left as empty as it was */
    clear(h->home);
}
