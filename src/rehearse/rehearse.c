/*
 * rehearse.c - running a plan on a copy (rehearse.h): the sandbox, the
 * copy's servers, the phones' redirects, the steps and what they did.
 */
#include "rehearse.h"

#include "../phone/fleet.h"
#include "../phone/phone.h"
#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_NODES 16
#define HTTP_PORT 6970 /* what the rehearsal's phones believe they report to */

typedef struct server {
    char node[64];
    char ip[64];
    int publisher, services;
    pid_t pid;
    int tftp, http, tvs, capf;
} server;

typedef struct sandbox {
    const pt_rehearse_opts *o;
    char dir[PATH_MAX], home[PATH_MAX], phones[PATH_MAX], logs[PATH_MAX], out[PATH_MAX];
    server srv[MAX_NODES];
    size_t n_srv;
    char tftp[1024]; /* the fleet's TFTP servers, as the phones name them */
    ino_t home_ino;  /* the copy's home as its servers opened it (a restore replaces it) */
} sandbox;

/* Ctrl-C (or a TERM, a hang-up) stops the rehearsal between steps, not in
 * the middle of one: the copy - private keys included - is then removed
 * as at the end, and the caller dies of the signal. */
static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig) { interrupted = sig; }
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP_SIGNALS (sizeof stop_signals / sizeof stop_signals[0])

/* ---- the sandbox ---- */

static int sub(char *out, const char *dir, const char *name)
{
    return pt_path_join(out, PATH_MAX, dir, name) == PT_OK ? 0 : -1;
}

static const char *copy_from, *copy_to;

static int copy_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)f;
    char dst[PATH_MAX];
    const char *rel = path + strlen(copy_from);
    if (snprintf(dst, sizeof dst, "%s%s", copy_to, rel) >= (int)sizeof dst)
        return -1;
    if (type == FTW_D)
        return mkdir(dst, st->st_mode & 0700) && errno != EEXIST ? -1 : 0;
    if (type != FTW_F || !S_ISREG(st->st_mode))
        return 0; /* a phone's state holds files and directories only */
    int in = open(path, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    if (in >= 0 && (out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 0700)) >= 0) {
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                break;
        rc = n == 0 ? 0 : -1;
    }
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out))
        rc = -1;
    return rc;
}

static int copy_tree(const char *from, const char *to, pt_diag *d)
{
    copy_from = from;
    copy_to = to;
    if (nftw(from, copy_one, 32, FTW_PHYS))
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "copying %s into the rehearsal: %s", from, strerror(errno));
    return PT_OK;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st;
    (void)f;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int sandbox_make(sandbox *s, pt_diag *d)
{
    const char *tmp = s->o->tmpdir ? s->o->tmpdir : getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if (snprintf(s->dir, sizeof s->dir, "%s/phonetrust-rehearse-XXXXXX", tmp) >= (int)sizeof s->dir ||
        !mkdtemp(s->dir)) /* 0700: the copy holds the cluster's keys */
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: cannot make the rehearsal's directory: %s", tmp,
                           strerror(errno));
    if (sub(s->home, s->dir, "home") || sub(s->phones, s->dir, "phones") || sub(s->logs, s->dir, "logs") ||
        sub(s->out, s->dir, "steps"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: the path is too long", s->dir);
    if (mkdir(s->logs, 0700) || mkdir(s->out, 0700) || mkdir(s->phones, 0700))
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", s->dir, strerror(errno));
    return PT_OK;
}

static int sandbox_fill(sandbox *s, pt_diag *d)
{
    pt_cluster *c;
    int rc = pt_cluster_open(s->o->home, &c, d);
    if (rc)
        return rc;
    rc = pt_cluster_copy_home(c, s->home, d);
    pt_cluster_close(c);
    if (!rc)
        rc = copy_tree(s->o->fleet, s->phones, d);
    return rc;
}

/* ---- the copy's servers ---- */

static int free_port(int type)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), port = -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int accepting(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static int server_start(sandbox *s, server *v, pt_diag *d)
{
    v->tftp = free_port(SOCK_DGRAM);
    v->http = free_port(SOCK_STREAM);
    v->tvs = free_port(SOCK_STREAM);
    v->capf = v->publisher ? free_port(SOCK_STREAM) : 0;
    if (v->tftp < 0 || v->http < 0 || v->tvs < 0 || v->capf < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "no free loopback port for the copy of node %s", v->node);
    char log[PATH_MAX], out[PATH_MAX], name[128], ports[4][16];
    snprintf(name, sizeof name, "%.64s.log", v->node);
    if (sub(log, s->logs, name))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: the path is too long", s->logs);
    snprintf(name, sizeof name, "%.64s.out", v->node);
    if (sub(out, s->logs, name))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: the path is too long", s->logs);
    snprintf(ports[0], 16, "%d", v->tftp);
    snprintf(ports[1], 16, "%d", v->http);
    snprintf(ports[2], 16, "%d", v->tvs);
    snprintf(ports[3], 16, "%d", v->capf);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot start the copy of node %s: %s", v->node,
                           strerror(errno));
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), nul = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        if (nul >= 0)
            dup2(nul, STDIN_FILENO);
        /* loopback only, a throwaway copy: root may serve it (the real
         * service never runs as root) */
        execl(s->o->exe, s->o->exe, "--home", s->home, "--node", v->node, "serve", "--addr", "127.0.0.1",
              "--tftp-port", ports[0], "--http-port", ports[1], "--tvs-port", ports[2], "--capf-port", ports[3],
              "--max-clients", "2000", "--max-per-peer", "2000", "--log", log,
              geteuid() == 0 ? "--allow-root" : NULL, (char *)NULL);
        _exit(127);
    }
    v->pid = pid;
    return PT_OK;
}

/* Until a started server takes connections (10 s at most). */
static int server_ready(sandbox *s, server *v, pt_diag *d)
{
    char out[PATH_MAX], name[128];
    snprintf(name, sizeof name, "%.64s.out", v->node);
    if (sub(out, s->logs, name))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: the path is too long", s->logs);
    pid_t pid = v->pid;
    for (int i = 0; i < 500; i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            v->pid = 0;
            return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "the copy of node %s did not start (see %s)", v->node,
                               out);
        }
        if (accepting(v->http))
            return PT_OK;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "the copy of node %s did not start in 10 s (see %s)", v->node,
                       out);
}

static void server_stop(server *v)
{
    if (v->pid <= 0)
        return;
    kill(v->pid, SIGTERM);
    for (int i = 0; i < 60; i++) {
        if (waitpid(v->pid, NULL, WNOHANG) == v->pid) {
            v->pid = 0;
            return;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(v->pid, SIGKILL);
    waitpid(v->pid, NULL, 0);
    v->pid = 0;
}

static int port_param(pt_cluster *c, const char *name, int dflt)
{
    char v[32];
    if (pt_cluster_param_get(c, name, v, sizeof v, NULL))
        return dflt;
    int p = atoi(v);
    return p > 0 && p < 65536 ? p : dflt;
}

/* The copy's nodes each have a server (started for a node a step added,
 * stopped for one it removed), and the phones' traffic to the nodes'
 * addresses goes to them. */
static int servers_sync(sandbox *s, pt_diag *d)
{
    /* a restore put another home in place: its servers start again on it,
     * as the administrator restarts serve after a restore */
    struct stat hs;
    if (stat(s->home, &hs) == 0) {
        if (s->home_ino && hs.st_ino != s->home_ino)
            for (size_t i = 0; i < s->n_srv; i++)
                server_stop(&s->srv[i]);
        s->home_ino = hs.st_ino;
    }
    pt_cluster *c;
    int rc = pt_cluster_open(s->home, &c, d);
    if (rc)
        return rc;
    pt_node *nodes = NULL;
    size_t n = 0;
    rc = pt_cluster_nodes(c, &nodes, &n, d);
    int tvs_port = port_param(c, "TVS Port", 2445), capf_port = port_param(c, "CAPF Phone Port", 3804);
    pt_cluster_close(c);
    if (rc)
        return rc;
    if (n > MAX_NODES) {
        free(nodes);
        return pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET, "a rehearsal copies at most %d nodes", MAX_NODES);
    }
    for (size_t i = 0; i < s->n_srv; i++) { /* removed nodes */
        int still = 0;
        for (size_t j = 0; j < n; j++)
            still |= !strcmp(nodes[j].name, s->srv[i].node);
        if (!still)
            server_stop(&s->srv[i]);
    }
    server now[MAX_NODES];
    size_t m = 0;
    int started[MAX_NODES] = {0};
    for (size_t j = 0; j < n && !rc; j++) {
        server *v = &now[m++];
        memset(v, 0, sizeof *v);
        for (size_t i = 0; i < s->n_srv; i++)
            if (!strcmp(nodes[j].name, s->srv[i].node) && s->srv[i].pid > 0)
                *v = s->srv[i];
        snprintf(v->node, sizeof v->node, "%s", nodes[j].name);
        snprintf(v->ip, sizeof v->ip, "%s", nodes[j].ip);
        v->publisher = nodes[j].publisher;
        v->services = nodes[j].services;
        if (v->pid <= 0)
            started[m - 1] = !(rc = server_start(s, v, d));
    }
    for (size_t j = 0; j < m && !rc; j++) /* started together, waited for together */
        if (started[j])
            rc = server_ready(s, &now[j], d);
    memcpy(s->srv, now, m * sizeof *now);
    s->n_srv = m;
    free(nodes);
    if (rc)
        return rc;

    /* the redirects: each node's TFTP (as the fleet names it), HTTP, TVS, CAPF */
    pt_phone_redirect r[4 * MAX_NODES + 8];
    size_t nr = 0;
    char spec[1024];
    snprintf(spec, sizeof spec, "%s", s->tftp);
    char *save = NULL;
    for (char *one = strtok_r(spec, ",", &save); one; one = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(one, ':');
        int port = 69;
        if (colon) {
            *colon = '\0';
            port = atoi(colon + 1);
        }
        const server *v = NULL;
        for (size_t i = 0; i < s->n_srv && !v; i++)
            if (!strcmp(one, s->srv[i].ip) || !strcmp(one, s->srv[i].node))
                v = &s->srv[i];
        if (!v)
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--tftp %s: no node of the cluster has that name or address",
                               one);
        if (nr < sizeof r / sizeof r[0] - 3)
            r[nr++] = (pt_phone_redirect){v->ip, "127.0.0.1", port, v->tftp};
    }
    for (size_t i = 0; i < s->n_srv; i++) {
        const server *v = &s->srv[i];
        r[nr++] = (pt_phone_redirect){v->ip, "127.0.0.1", HTTP_PORT, v->http};
        r[nr++] = (pt_phone_redirect){v->ip, "127.0.0.1", tvs_port, v->tvs};
        if (v->publisher)
            r[nr++] = (pt_phone_redirect){v->ip, "127.0.0.1", capf_port, v->capf};
    }
    return pt_phone_redirect_set(r, nr, d);
}

/* ---- the steps ---- */

/* The first lines of a step's error output (its refusal, its warning). */
static void first_lines(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    size_t len = 0;
    for (int k = 0; k < 4 && fgets(line, sizeof line, f);) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "\n" : "", line);
        if (len >= n)
            break;
        k++;
    }
    fclose(f);
}

/* A --force warning a step printed (what it will strand): its two lines. */
static void forced_warning(const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    int take = 0;
    size_t len = strlen(out);
    while (take < 2 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!take && strncmp(line, "WARNING: --force", 16))
            continue;
        len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "\n" : "", line);
        if (len >= n)
            break;
        take++;
    }
    fclose(f);
}

static int run_command(sandbox *s, const pt_plan_step *st, size_t no, pt_rehearse_step *r, pt_diag *d)
{
    char out[PATH_MAX], err[PATH_MAX], name[64];
    snprintf(name, sizeof name, "%zu.out", no);
    sub(out, s->out, name);
    snprintf(name, sizeof name, "%zu.err", no);
    sub(err, s->out, name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot run step %zu: %s", no, strerror(errno));
    if (pid == 0) {
        for (size_t k = 0; k < N_STOP_SIGNALS; k++) /* Ctrl-C ends the step itself */
            signal(stop_signals[k], SIG_DFL);
        /* the step reads what it asks (a password) from the rehearsal's own
         * input, and asks it on the rehearsal's stderr; its output is kept */
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600),
            ask = dup(STDERR_FILENO);
        if (o < 0 || e < 0 || ask < 0)
            _exit(4);
        dup2(o, STDOUT_FILENO);
        dup2(e, STDERR_FILENO);
        setenv("PHONETRUST_HOME", s->home, 1);
        setenv("PHONETRUST_PHONES", s->phones, 1);
        char label[64];
        snprintf(label, sizeof label, "step %zu (line %u): ", no, st->line);
        int ex = s->o->run(s->home, st->node, st->argc, st->argv, ask, label);
        fflush(NULL); /* _exit flushes nothing: the step's output would be lost */
        _exit(ex & 0xff);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    first_lines(err, r->message, sizeof r->message);
    if (r->exit_code == 0)
        forced_warning(out, r->message, sizeof r->message);
    return PT_OK;
}

/* the fleet's states after a step, into its row */
static void take_counts(pt_rehearse_step *r, const pt_fleet_report *fr)
{
    r->phones = fr->phones;
    r->trusted = fr->trusted;
    r->locked = fr->locked;
    r->no_itl = fr->no_itl;
    r->lsc_installed = fr->lsc_installed;
    r->pending = fr->pending;
    r->failed = fr->failed;
}

static int counts(sandbox *s, pt_rehearse_step *r, pt_fleet_report *fr, pt_diag *d)
{
    int rc = pt_fleet_status(s->phones, fr, d);
    if (!rc)
        take_counts(r, fr);
    return rc;
}

static int was_locked(char (*names)[16], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return 1;
    return 0;
}

/* The phone's own words: the last list it refused, from its console. */
static void locked_reason(sandbox *s, const char *name, char *out, size_t n)
{
    pt_phone_state ph;
    pt_diag d;
    pt_diag_clear(&d);
    snprintf(out, n, "locked");
    if (pt_phone_load(s->phones, name, &ph, &d))
        return;
    const char *best = NULL;
    for (const char *p = ph.console; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (memmem(p, len, ") refused: ", 11))
            best = p;
        p = e ? e + 1 : p + len;
    }
    if (best) {
        best = pt_phone_console_text(best);
        snprintf(out, n, "%.*s", (int)strcspn(best, "\n"), best);
    }
    pt_phone_state_free(&ph);
}

static int reset(sandbox *s, int changed, pt_rehearse_step *r, pt_fleet_report *fr, pt_diag *d)
{
    int rc = servers_sync(s, d);
    if (rc)
        return rc;
    if (changed) {
        /* a running serve takes a change at its next once-a-second refresh
         * (every step has ended: the last commit is in): the phones reset
         * after it, as they would in front of an administrator */
        struct timespec ts = {1, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    pt_fleet_opts fo = {.state = s->phones, .tftp = s->tftp, .http_port = HTTP_PORT, .timeout_ms = 2000,
                        .concurrency = 200};
    rc = pt_fleet_boot(&fo, fr, d);
    if (!rc && fr->interrupted && !interrupted)
        interrupted = fr->interrupted; /* the boot took the signal itself: the rehearsal stops too */
    if (!rc) {
        take_counts(r, fr);
        r->exit_code = fr->locked ? 1 : 0;
    }
    return rc;
}

/* The fleet's TFTP servers: as given, else every TFTP node in order. */
static int fleet_tftp(sandbox *s, pt_diag *d)
{
    if (s->o->tftp) {
        snprintf(s->tftp, sizeof s->tftp, "%s", s->o->tftp);
        return PT_OK;
    }
    size_t len = 0;
    for (size_t i = 0; i < s->n_srv; i++)
        if (s->srv[i].services & PT_SVC_TFTP)
            len += (size_t)snprintf(s->tftp + len, sizeof s->tftp - len, "%s%s", len ? "," : "", s->srv[i].ip);
    return len && len < sizeof s->tftp ? PT_OK
                                       : pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "the cluster has no TFTP node");
}

static int rehearse_run(const pt_rehearse_opts *o, const pt_plan *plan, pt_rehearse_report *r, pt_diag *d);


static int check_interrupted(pt_diag *d)
{
    return interrupted ? pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "interrupted by signal %d", (int)interrupted)
                       : PT_OK;
}

int pt_rehearse(const pt_rehearse_opts *o, const pt_plan *plan, pt_rehearse_report *r, pt_diag *d)
{
    interrupted = 0;
    struct sigaction stop = {.sa_handler = on_interrupt}, old[N_STOP_SIGNALS];
    sigemptyset(&stop.sa_mask);
    for (size_t k = 0; k < N_STOP_SIGNALS; k++) /* an ignored one (nohup) stays ignored */
        if (sigaction(stop_signals[k], NULL, &old[k]) == 0 && old[k].sa_handler != SIG_IGN)
            sigaction(stop_signals[k], &stop, NULL);
    int rc = rehearse_run(o, plan, r, d);
    for (size_t k = 0; k < N_STOP_SIGNALS; k++)
        sigaction(stop_signals[k], &old[k], NULL);
    r->interrupted = interrupted;
    return rc;
}

static int rehearse_run(const pt_rehearse_opts *o, const pt_plan *plan, pt_rehearse_report *r, pt_diag *d)
{
    memset(r, 0, sizeof *r);
    sandbox *s = calloc(1, sizeof *s);
    r->steps = calloc(plan->n ? plan->n : 1, sizeof *r->steps);
    if (!s || !r->steps) {
        free(s);
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    }
    s->o = o;
    pt_fleet_report fr;
    int rc = pt_fleet_status(o->fleet, &fr, d); /* a fleet to rehearse with, before any copy */
    if (!rc)
        pt_fleet_report_free(&fr);
    if (!rc)
        rc = sandbox_make(s, d);
    snprintf(r->sandbox, sizeof r->sandbox, "%.500s", s->dir);
    if (!rc)
        rc = sandbox_fill(s, d);
    if (!rc)
        rc = check_interrupted(d);
    s->tftp[0] = '\0';
    if (!rc) {
        snprintf(s->tftp, sizeof s->tftp, "%s", o->tftp ? o->tftp : "");
        rc = servers_sync(s, d);
    }
    if (!rc && !o->tftp && !(rc = fleet_tftp(s, d)))
        rc = servers_sync(s, d);

    char (*before)[16] = NULL; /* the phones locked before the latest reset */
    size_t n_before = 0, last_command = 0;
    int changed = 0, last_forced = 0; /* a step ran since the last reset; one forced */
    if (!rc && !(rc = counts(s, &(pt_rehearse_step){0}, &fr, d))) {
        before = fr.locked_names;
        n_before = fr.n_locked;
        fr.locked_names = NULL;
        pt_fleet_report_free(&fr);
    }
    for (size_t i = 0; !rc && !(rc = check_interrupted(d)) && i < plan->n; i++) {
        const pt_plan_step *st = &plan->steps[i];
        pt_rehearse_step *out = &r->steps[r->n++];
        out->line = st->line;
        out->kind = st->kind;
        snprintf(out->text, sizeof out->text, "%s", st->text);
        if (o->progress)
            fprintf(o->progress, "step %zu/%zu: %s\n", i + 1, plan->n, st->text);
        changed |= st->kind != PT_STEP_RESET;
        if (st->kind == PT_STEP_COMMAND) {
            if (!(rc = run_command(s, st, i + 1, out, d)) && !(rc = counts(s, out, &fr, d)))
                pt_fleet_report_free(&fr);
            /* what a later reset's locks are put down to: the last command
             * that ran, or the last one forced past a guard rail */
            int forced = 0;
            for (int k = 1; k < st->argc; k++)
                forced |= !strcmp(st->argv[k], "--force");
            if (!rc && !out->exit_code && (forced || !last_forced))
                last_command = i + 1;
            last_forced |= !rc && !out->exit_code && forced;
        } else if (st->kind == PT_STEP_WAIT) {
            pt_cluster *c;
            if (!(rc = pt_cluster_open(s->home, &c, d))) {
                rc = pt_cluster_age(c, st->seconds, d);
                pt_cluster_close(c);
            }
            if (!rc && !(rc = counts(s, out, &fr, d)))
                pt_fleet_report_free(&fr);
        } else if (!(rc = reset(s, changed, out, &fr, d))) {
            changed = 0;
            last_forced = 0;
            size_t fresh = 0;
            const char *first = NULL;
            for (size_t k = 0; k < fr.n_locked; k++)
                if (!was_locked(before, n_before, fr.locked_names[k]) && fresh++ == 0)
                    first = fr.locked_names[k];
            if (first) {
                locked_reason(s, first, out->message, sizeof out->message);
                if (!r->stranded_at) {
                    r->stranded_at = i + 1;
                    r->stranded_after = last_command;
                    r->stranded_count = fresh;
                    snprintf(r->stranded_phone, sizeof r->stranded_phone, "%s", first);
                    snprintf(r->stranded_reason, sizeof r->stranded_reason, "%s", out->message);
                }
            }
            free(before);
            before = fr.locked_names;
            n_before = fr.n_locked;
            fr.locked_names = NULL;
            pt_fleet_report_free(&fr);
        }
    }
    free(before);
    for (size_t i = 0; i < s->n_srv; i++)
        server_stop(&s->srv[i]);
    pt_phone_redirect_set(NULL, 0, NULL);
    if (!o->keep && s->dir[0])
        nftw(s->dir, remove_one, 32, FTW_DEPTH | FTW_PHYS);
    free(s);
    return rc;
}

void pt_rehearse_report_free(pt_rehearse_report *r)
{
    free(r->steps);
    memset(r, 0, sizeof *r);
}
