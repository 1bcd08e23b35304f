/*
 * privs.c - who serve runs as.  Root may bind the ports, then it becomes
 * --user (groups, gid, uid, with no way back) or, told so by --allow-root,
 * stays root.  Any other user (under systemd: the phonetrust user with
 * CAP_NET_BIND_SERVICE for port 69) gives up every capability once its
 * ports are bound: the process that holds the cluster's keys can then do
 * nothing its user could not.
 */
#include "server.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Root may bind the ports; it may not go on serving the cluster's keys
 * unless told to (--allow-root).  With --user, the home must be that
 * user's (what serve writes there - reports, LSCs, the WAL - stays
 * readable by the administrative commands run as that user). */
int srv_privs_check(const pt_serve_opts *o, struct passwd **pw, pt_diag *d)
{
    *pw = NULL;
    if (!o->user) {
        if (geteuid() == 0 && !o->allow_root)
            return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                               "refusing to run as root: every private key of the cluster would be served by a root "
                               "process; give --user USER (the ports are bound first, then it runs as USER), or "
                               "--allow-root");
        return PT_OK;
    }
    if (geteuid() != 0)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "--user %s: only root can change user; run serve as %s",
                           o->user, o->user);
    if (!(*pw = getpwnam(o->user)))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--user %s: no such user", o->user);
    if ((*pw)->pw_uid == 0)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "--user %s: that is root; use --allow-root", o->user);
    struct stat st;
    if (stat(o->home, &st) != 0)
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s: %s", o->home, strerror(errno));
    if (st.st_uid != (*pw)->pw_uid)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                           "--user %s: the cluster home %s belongs to uid %u; it must be %s's (chown -R %s %s)",
                           o->user, o->home, (unsigned)st.st_uid, o->user, o->user, o->home);
    return PT_OK;
}

/* groups, gid, uid - and no way back */
static int drop_to(const struct passwd *pw, pt_diag *d)
{
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "--user %s: cannot become that user: %s", pw->pw_name,
                           strerror(errno));
    if (setuid(0) == 0 || seteuid(0) == 0 || getegid() == 0)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "--user %s: root could be regained; stopping",
                           pw->pw_name);
    return PT_OK;
}

/* every capability (effective, permitted, inheritable, ambient) given up;
 * no new privileges by exec either */
static int drop_caps(pt_diag *d)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct none[2];
    memset(none, 0, sizeof none);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (syscall(SYS_capset, &h, none) != 0)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "cannot give up capabilities: %s", strerror(errno));
    struct __user_cap_data_struct now[2];
    memset(now, 0, sizeof now);
    if (syscall(SYS_capget, &h, now) != 0 || now[0].effective || now[0].permitted || now[1].effective ||
        now[1].permitted)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "capabilities are still held after giving them up; stopping");
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return PT_OK;
}

int srv_privs_drop(const struct passwd *pw, pt_diag *d)
{
    if (pw)
        return drop_to(pw, d); /* setuid from root clears every capability */
    if (geteuid() == 0)
        return PT_OK; /* --allow-root: the administrator's explicit choice */
    return drop_caps(d);
}
