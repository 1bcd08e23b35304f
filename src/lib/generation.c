/*
 * generation.c - a node's served set changes whole, or not at all.
 *
 * tftp/<node> is a symbolic link to tftp/.<node>.g<N>, the generation in
 * force.  An operation that changes many served files at once (a TFTP
 * restart: the ITL and every configuration signed anew) builds the next
 * generation beside it: hard links to every file of the current one, then
 * the new files written over them (each write replaces a link, never the
 * inode the current generation serves).  Everything is flushed, then one
 * rename() puts a new link in place of the old: a reader, or a crash, sees
 * the old set or the new one, never a mixture.  What a crash leaves (a
 * half-built generation, a stray link) is swept by the next operation on
 * that node.
 *
 * Writers of single files (one device's configuration, the CTL) write
 * into the generation in force through tftp/<node>; a per-node lock
 * (flock on tftp/.<node>.lock) keeps them from writing into a generation
 * that is about to be replaced.
 */
#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster_internal.h"

static int tftp_root(const pt_cluster *c, char *out)
{
    return pt_path_join(out, PATH_MAX, c->home, "tftp");
}

/* The generation number a link target ".<node>.g<N>" names; 0 if none. */
static unsigned long gen_number(const char *node, const char *name)
{
    size_t nl = strlen(node);
    if (name[0] != '.' || strncmp(name + 1, node, nl) || strncmp(name + 1 + nl, ".g", 2))
        return 0;
    char *end;
    unsigned long v = strtoul(name + 3 + nl, &end, 10);
    return *end ? 0 : v;
}

int pt__gen_lock(pt_cluster *c, const char *node, int *fd, pt_diag *d)
{
    char root[PATH_MAX], path[PATH_MAX];
    *fd = -1;
    if (tftp_root(c, root) || snprintf(path, sizeof path, "%s/.%s.lock", root, node) >= (int)sizeof path)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long for node %s", node);
    mkdir(root, 0755);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", path, strerror(errno));
    while (flock(f, LOCK_EX) != 0 && errno == EINTR)
        ;
    *fd = f;
    return PT_OK;
}

void pt__gen_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* Makes tftp/<node> a link to a generation (a cluster from before
 * generations has a plain directory: it becomes generation 1), and sweeps
 * generations other than the one in force.  *cur gets the number in force. */
static int settle_link(pt_cluster *c, const char *node, unsigned long *cur, pt_diag *d)
{
    char root[PATH_MAX], link[PATH_MAX], target[NAME_MAX + 1], first[NAME_MAX + 1];
    if (tftp_root(c, root) || pt_path_join(link, sizeof link, root, node))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long for node %s", node);
    mkdir(root, 0755);
    struct stat st;
    *cur = 0;
    if (lstat(link, &st) == 0 && S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            *cur = gen_number(node, target);
        }
        if (!*cur)
            return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s is a link, but not to a generation of the node", link);
    } else {
        snprintf(first, sizeof first, ".%s.g1", node);
        char gen[PATH_MAX];
        if (pt_path_join(gen, sizeof gen, root, first))
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long for node %s", node);
        pt__rm_tree(gen); /* a conversion a crash interrupted */
        if (lstat(link, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (rename(link, gen) != 0)
                return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot move %s: %s", link, strerror(errno));
        } else if (mkdir(gen, 0755) != 0) {
            return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create %s: %s", gen, strerror(errno));
        }
        if (symlink(first, link) != 0)
            return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot link %s: %s", link, strerror(errno));
        *cur = 1;
    }
    /* what crashes left: generations not in force, half-made links */
    DIR *dh = opendir(root);
    struct dirent *e;
    char linktmp[NAME_MAX + 1];
    snprintf(linktmp, sizeof linktmp, ".%s.link", node);
    while (dh && (e = readdir(dh))) {
        unsigned long g = gen_number(node, e->d_name);
        char path[PATH_MAX];
        if (((g && g != *cur) || !strcmp(e->d_name, linktmp)) && !pt_path_join(path, sizeof path, root, e->d_name))
            pt__rm_tree(path);
    }
    if (dh)
        closedir(dh);
    return PT_OK;
}

int pt__gen_begin(pt_cluster *c, const char *node, pt_diag *d)
{
    if (c->gen_node[0])
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "a generation of %s is already being built", c->gen_node);
    unsigned long cur;
    int rc = settle_link(c, node, &cur, d);
    if (rc)
        return rc;
    char root[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
    tftp_root(c, root);
    if (snprintf(from, sizeof from, "%s/.%s.g%lu", root, node, cur) >= (int)sizeof from ||
        snprintf(to, sizeof to, "%s/.%s.g%lu", root, node, cur + 1) >= (int)sizeof to)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long for node %s", node);
    if (mkdir(to, 0755) != 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create %s: %s", to, strerror(errno));
    /* the next generation starts as the current one: hard links, no copies */
    DIR *dh = opendir(from);
    struct dirent *e;
    while (!rc && dh && (e = readdir(dh))) {
        char a[PATH_MAX], b[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' || pt_is_temp_name(e->d_name) || pt_path_join(a, sizeof a, from, e->d_name) ||
            pt_path_join(b, sizeof b, to, e->d_name) || lstat(a, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (link(a, b) != 0)
            rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET,
                             "cannot link %s: %s", b, strerror(errno));
    }
    if (dh)
        closedir(dh);
    if (rc) {
        pt__rm_tree(to);
        return rc;
    }
    snprintf(c->gen_node, sizeof c->gen_node, "%s", node);
    snprintf(c->gen_dir, sizeof c->gen_dir, "%s", to);
    c->gen_number = cur + 1;
    return PT_OK;
}

void pt__gen_abort(pt_cluster *c)
{
    if (c->gen_node[0])
        pt__rm_tree(c->gen_dir);
    c->gen_node[0] = '\0';
    c->gen_dir[0] = '\0';
}

int pt__gen_commit(pt_cluster *c, pt_diag *d)
{
    if (!c->gen_node[0])
        return PT_OK;
    char root[PATH_MAX], link[PATH_MAX], tmp[PATH_MAX], target[NAME_MAX + 1], old[PATH_MAX];
    tftp_root(c, root);
    snprintf(target, sizeof target, ".%s.g%lu", c->gen_node, c->gen_number);
    if (pt_path_join(link, sizeof link, root, c->gen_node) ||
        snprintf(tmp, sizeof tmp, "%s/.%s.link", root, c->gen_node) >= (int)sizeof tmp ||
        snprintf(old, sizeof old, "%s/.%s.g%lu", root, c->gen_node, c->gen_number - 1) >= (int)sizeof old) {
        pt__gen_abort(c);
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long");
    }
    /* every file of the new generation on disk before it is put in force */
    int rc = pt_sync_fs(c->gen_dir, d);
    unlink(tmp);
    if (!rc && symlink(target, tmp) != 0)
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot link %s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, link) != 0)
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot put %s in force: %s", target, strerror(errno));
    if (rc) {
        unlink(tmp);
        pt__gen_abort(c);
        return rc;
    }
    rc = pt_sync_dir(root, d);
    pt__rm_tree(old);
    c->gen_node[0] = '\0';
    c->gen_dir[0] = '\0';
    return rc;
}

void pt__gen_remove(pt_cluster *c, const char *node)
{
    char root[PATH_MAX];
    if (tftp_root(c, root))
        return;
    DIR *dh = opendir(root);
    struct dirent *e;
    size_t nl = strlen(node);
    while (dh && (e = readdir(dh))) {
        char path[PATH_MAX];
        if ((gen_number(node, e->d_name) || !strcmp(e->d_name, node) ||
             (e->d_name[0] == '.' && !strncmp(e->d_name + 1, node, nl) &&
              (!strcmp(e->d_name + 1 + nl, ".link") || !strcmp(e->d_name + 1 + nl, ".lock")))) &&
            !pt_path_join(path, sizeof path, root, e->d_name))
            pt__rm_tree(path);
    }
    if (dh)
        closedir(dh);
}

int pt__gen_building(const pt_cluster *c, const char *node)
{
    return c->gen_node[0] && !strcmp(c->gen_node, node);
}

/* A served file's path, under the node's lock (*lock, for pt__gen_unlock)
 * unless this handle is building the node's next generation (*building);
 * create: make the node's directory if it is not there yet. */
static int served_path(pt_cluster *c, const char *node, const char *name, int create, char path[PATH_MAX],
                       int *building, int *lock, pt_diag *d)
{
    *building = pt__gen_building(c, node);
    *lock = -1;
    int rc = *building ? PT_OK : pt__gen_lock(c, node, lock, d);
    char dir[PATH_MAX];
    if (!rc && (pt_cluster_tftp_dir(c, node, dir, sizeof dir) || pt_path_join(path, PATH_MAX, dir, name)))
        rc = pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long");
    if (!rc && create)
        mkdir(dir, 0755);
    return rc;
}

int pt__served_write(pt_cluster *c, const char *node, const char *name, const uint8_t *data, size_t len,
                     pt_diag *d)
{
    char path[PATH_MAX];
    int building, lock;
    int rc = served_path(c, node, name, 1, path, &building, &lock, d);
    /* inside a generation, commit flushes everything at once */
    if (!rc && (rc = pt_file_write_atomic_flags(path, data, len, 0644, building ? PT_WRITE_NO_SYNC : 0, d)))
        pt_diag_prefix(d, rc, "%s", path);
    pt__gen_unlock(lock);
    return rc;
}

int pt__served_unlink(pt_cluster *c, const char *node, const char *name, int *found, pt_diag *d)
{
    char path[PATH_MAX];
    int building, lock;
    *found = 0;
    int rc = served_path(c, node, name, 0, path, &building, &lock, d);
    if (!rc && access(path, F_OK) == 0 && (*found = 1) && unlink(path) != 0)
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: cannot delete: %s", path, strerror(errno));
    pt__gen_unlock(lock);
    return rc;
}
