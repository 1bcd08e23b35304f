/*
 * fleet.c - `fleet boot` and `fleet status`: the fleet file, a bounded
 * number of boots in flight on one event loop (boot.h), the progress bar,
 * the states afterwards and what the fleet cost in memory.
 */
#include "fleet.h"

#include "boot.h"
#include "phone_internal.h"
#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <signal.h>
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_FIRST_MAC 0x001EF7000001ull
#define FLEET_MAX_TFTP 16

typedef struct fl_phone {
    char name[16];
    char model[8];
    unsigned char pending, failed; /* the outcome of its last boot */
} fl_phone;

typedef struct fl_list {
    fl_phone *p;
    size_t n, cap;
} fl_list;

static int fl_add(fl_list *l, const char *name, const char *model)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        fl_phone *p = realloc(l->p, cap * sizeof *p);
        if (!p)
            return -1;
        l->p = p, l->cap = cap;
    }
    fl_phone *ph = &l->p[l->n++];
    memset(ph, 0, sizeof *ph);
    snprintf(ph->name, sizeof ph->name, "%s", name);
    snprintf(ph->model, sizeof ph->model, "%s", model);
    return 0;
}

static int fleet_path(const char *state, char *out, size_t n, pt_diag *d)
{
    if (pt_path_join(out, n, state, "fleet"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", state);
    return PT_OK;
}

/* Reads <state>/fleet; a missing file is an empty fleet. */
static int fl_load(const char *state, fl_list *l, pt_diag *d)
{
    char path[PATH_MAX];
    int rc = fleet_path(state, path, sizeof path, d);
    if (rc || access(path, F_OK) != 0)
        return rc;
    uint8_t *data;
    size_t len;
    if ((rc = pt_file_read(path, &data, &len, 64u << 20, d)))
        return rc;
    char *text = (char *)data, *sp = NULL;
    size_t lineno = 0;
    for (char *line = strtok_r(text, "\n", &sp); line && !rc; line = strtok_r(NULL, "\n", &sp)) {
        lineno++;
        if (line[0] == '#')
            continue;
        char name[32], model[16], check[16];
        unsigned pending, failed;
        pt_phone_model m;
        if (sscanf(line, "%31s %15s %u %u", name, model, &pending, &failed) != 4 || pt_phone_name(name, check, NULL) ||
            strcmp(check, name) || !pt_phone_model_find(model, &m) || pending > 1 || failed > 1)
            rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: line %zu: expected \"SEP<MAC> MODEL 0|1 0|1\"", path,
                             lineno);
        else if (fl_add(l, name, model))
            rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
        else
            l->p[l->n - 1].pending = (unsigned char)pending, l->p[l->n - 1].failed = (unsigned char)failed;
    }
    free(data);
    return rc;
}

static int fl_save(const char *state, const fl_list *l, pt_diag *d)
{
    char path[PATH_MAX];
    int rc = fleet_path(state, path, sizeof path, d);
    if (rc)
        return rc;
    pt_buf out;
    pt_buf_init(&out);
    static const char head[] = "# phonetrust fleet: SEP<MAC> MODEL PENDING FAILED (the last boot's outcome)\n";
    pt_buf_put(&out, head, sizeof head - 1);
    for (size_t i = 0; i < l->n; i++) {
        char line[64];
        int k = snprintf(line, sizeof line, "%s %s %u %u\n", l->p[i].name, l->p[i].model, l->p[i].pending,
                         l->p[i].failed);
        pt_buf_put(&out, line, (size_t)k);
    }
    rc = pt_buf_error(&out) ? pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory")
                            : pt_file_write_atomic(path, out.data, out.len, 0644, d);
    pt_buf_free(&out);
    return rc;
}

/* Grows the fleet to o->count phones: MACs from first_mac (or after the last), models cycled. */
static int fl_grow(const pt_fleet_opts *o, fl_list *l, pt_diag *d)
{
    if (!o->count && !l->n)
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s: no fleet here yet: say how many phones (--count N)",
                           o->state);
    if (o->count && o->count < l->n)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                           "%s: the fleet has %zu phones; --count %zu cannot shrink it (boot without --count to reset "
                           "them all, or use another --state)",
                           o->state, l->n, o->count);
    unsigned long long mac = DEFAULT_FIRST_MAC;
    if (o->first_mac) {
        char name[16];
        int rc = pt_phone_name(o->first_mac, name, d);
        if (rc)
            return rc;
        mac = strtoull(name + 3, NULL, 16);
    } else if (l->n) {
        mac = strtoull(l->p[l->n - 1].name + 3, NULL, 16) + 1;
    }
    char models[128];
    const char *list[16], *bad;
    size_t n_models = pt_models_split(o->models && *o->models ? o->models : "8845", models, sizeof models, list, 16, &bad);
    if (!n_models && *bad)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "model %s: expected one of %s", bad, pt_models_list());
    if (!n_models)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--model: no model given");
    for (size_t i = 0, start = l->n; start + i < o->count; i++, mac++) {
        if (mac > 0xFFFFFFFFFFFFull)
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "MAC addresses run out after FFFFFFFFFFFF");
        char name[24];
        snprintf(name, sizeof name, "SEP%012llX", mac);
        for (size_t k = 0; k < start; k++)
            if (!strcmp(l->p[k].name, name))
                return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is already in the fleet: choose another --first-mac",
                                   name);
        if (fl_add(l, name, list[i % n_models]))
            return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    }
    return PT_OK;
}

/* The states on disk (see fleet.h: trusted + locked + no_itl = phones). */
static int fl_scan(const char *state, const fl_list *l, pt_fleet_report *r, pt_diag *d)
{
    r->phones = l->n;
    r->locked_names = calloc(l->n ? l->n : 1, sizeof *r->locked_names);
    if (!r->locked_names)
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        char dir[PATH_MAX];
        if (pt_path_join(dir, sizeof dir, state, l->p[i].name))
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", state);
        int locked = ph_has(dir, "locked"), itl = ph_has(dir, "ITLFile.tlv");
        r->lsc_installed += ph_has(dir, "lsc.pem");
        r->files_refused += ph_has(dir, "files-refused");
        if (locked) {
            r->locked++;
            memcpy(r->locked_names[r->n_locked++], l->p[i].name, 16);
        } else if (itl) {
            r->trusted++;
        } else {
            r->no_itl++;
        }
        r->pending += l->p[i].pending;
        r->failed += l->p[i].failed;
    }
    return PT_OK;
}

void pt_fleet_report_free(pt_fleet_report *r)
{
    free(r->locked_names);
    memset(r, 0, sizeof *r);
}

int pt_fleet_status(const char *state, pt_fleet_report *r, pt_diag *d)
{
    memset(r, 0, sizeof *r);
    fl_list l = {0};
    int rc = fl_load(state, &l, d);
    if (!rc && !l.n)
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s: no fleet here (fleet boot --count N creates one)",
                         state);
    if (!rc)
        rc = fl_scan(state, &l, r, d);
    free(l.p);
    return rc;
}

/* ---- the boot: at most `concurrency` phones in flight ---- */

typedef struct fleet fleet;

typedef struct fl_slot {
    fleet *f;
    size_t idx;
    pt_phone_boot_opts o;
    ph_boot *b;
} fl_slot;

struct fleet {
    const pt_fleet_opts *o;
    fl_list *l;
    ph_loop *loop;
    fl_slot *slots;
    size_t n_slots, next, done, in_flight;
    int stopping;
    struct event *tick, *sigint, *sigterm;
    /* the TFTP servers, resolved once for the whole fleet */
    char tftp_ip[FLEET_MAX_TFTP][INET_ADDRSTRLEN];
    int tftp_port[FLEET_MAX_TFTP];
    size_t n_tftp;
    struct timespec t0;
    pt_fleet_report *r;
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static long rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void progress(fleet *f, int final)
{
    FILE *out = f->o->progress;
    if (!out)
        return;
    size_t n = f->l->n, w = 40, k = n ? f->done * w / n : w;
    char bar[48];
    memset(bar, '#', k);
    memset(bar + k, '.', w - k);
    bar[w] = 0;
    fprintf(out, "\r[%s] %zu/%zu phones  %.1f s%s", bar, f->done, n, since(&f->t0), final ? "\n" : "");
    fflush(out);
}

/* What the boots in flight hold now; the peak is reported. */
static void sample(fleet *f)
{
    size_t bytes = 0;
    for (size_t i = 0; i < f->n_slots; i++)
        if (f->slots[i].b)
            bytes += ph_boot_size(f->slots[i].b);
    if (bytes > f->r->peak_boot_bytes)
        f->r->peak_boot_bytes = bytes;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    fleet *f = arg;
    sample(f);
    progress(f, 0);
}

static void start_next(fleet *f, fl_slot *s);

static void on_done(ph_boot *b, void *arg)
{
    fl_slot *s = arg;
    fleet *f = s->f;
    fl_phone *p = &f->l->p[s->idx];
    if ((f->done & 15) == 0)
        sample(f);
    pt_phone_result res;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = ph_boot_outcome(b, &res, &d);
    p->failed = rc || res.lsc_failed || res.lsc_unreachable;
    p->pending = !p->failed && res.lsc_pending;
    if (p->failed && !f->r->first_failure[0])
        snprintf(f->r->first_failure, sizeof f->r->first_failure, "%s: %.300s", p->name,
                 rc ? d.msg : res.lsc_failed ? "LSC: Failed" : "LSC: Connection Failed");
    ph_boot_free(b);
    s->b = NULL;
    f->done++;
    f->r->booted++;
    f->in_flight--;
    start_next(f, s);
    if (!f->in_flight)
        event_base_loopbreak(ph_loop_base(f->loop));
}

/* Ctrl-C (or SIGTERM) during a storm: stop at once, keep what each phone
 * wrote (every file is written whole), count the fleet as it is. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    fleet *f = arg;
    f->stopping = 1;
    f->r->interrupted = (int)sig;
    event_base_loopbreak(ph_loop_base(f->loop));
}

static void start_next(fleet *f, fl_slot *s)
{
    while (!f->stopping && f->next < f->l->n) {
        s->idx = f->next++;
        fl_phone *p = &f->l->p[s->idx];
        s->o = (pt_phone_boot_opts){.state = f->o->state,
                                    .mac = p->name,
                                    .model = p->model,
                                    .tftp_host = f->tftp_ip[s->idx % f->n_tftp],
                                    .tftp_port = f->tftp_port[s->idx % f->n_tftp],
                                    .http_port = f->o->http_port,
                                    .timeout_ms = f->o->timeout_ms,
                                    .auth_string = f->o->auth_string};
        if ((s->b = ph_boot_start(f->loop, &s->o, on_done, s))) {
            f->in_flight++;
            return;
        }
        p->failed = 1, p->pending = 0; /* out of memory: counted, and the others go on */
        f->done++;
    }
}

/* "HOST[:PORT],..." into f's resolved servers; every one must resolve. */
static int tftp_servers(fleet *f, const char *spec, pt_diag *d)
{
    char list[1024];
    if (!spec || !*spec || strlen(spec) >= sizeof list)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--tftp: HOST[:PORT][,HOST[:PORT]...] is expected");
    snprintf(list, sizeof list, "%s", spec);
    char *sp = NULL;
    for (char *one = strtok_r(list, ",", &sp); one; one = strtok_r(NULL, ",", &sp)) {
        if (f->n_tftp == FLEET_MAX_TFTP)
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--tftp: at most %d servers", FLEET_MAX_TFTP);
        char *colon = strrchr(one, ':'), *end = NULL;
        long port = 69;
        if (colon) {
            *colon = 0;
            port = strtol(colon + 1, &end, 10);
            if (!*(colon + 1) || *end || port < 1 || port > 65535)
                return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--tftp %s: the port is 1 to 65535", spec);
        }
        struct sockaddr_in sa;
        if (!*one || !ph_resolve_raw(one, (int)port, &sa))
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "TFTP server %s: cannot resolve it", one);
        inet_ntop(AF_INET, &sa.sin_addr, f->tftp_ip[f->n_tftp], sizeof f->tftp_ip[0]);
        f->tftp_port[f->n_tftp++] = (int)port;
    }
    return f->n_tftp ? PT_OK : pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--tftp: no server given");
}

/* Enough descriptors for every boot in flight (one socket each) and the files it writes. */
static void raise_fd_limit(size_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int pt_fleet_boot(const pt_fleet_opts *o, pt_fleet_report *r, pt_diag *d)
{
    memset(r, 0, sizeof *r);
    fl_list l = {0};
    if (mkdir(o->state, 0755) != 0 && errno != EEXIST)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", o->state, strerror(errno));
    int rc = fl_load(o->state, &l, d);
    if (!rc)
        rc = fl_grow(o, &l, d);
    if (!rc) /* remembered before the first packet, so an interrupted boot still knows its phones */
        rc = fl_save(o->state, &l, d);
    fleet f = {.o = o, .l = &l, .r = r};
    if (!rc)
        rc = tftp_servers(&f, o->tftp, d);
    if (!rc && !(f.loop = ph_loop_new(d)))
        rc = PT_ERR_NOMEM;
    f.n_slots = o->concurrency ? o->concurrency : 1;
    if (f.n_slots > l.n)
        f.n_slots = l.n ? l.n : 1;
    if (!rc && !(f.slots = calloc(f.n_slots, sizeof *f.slots)))
        rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    if (!rc) {
        raise_fd_limit(f.n_slots * 2 + 64);
        struct event_base *base = ph_loop_base(f.loop);
        f.tick = event_new(base, -1, EV_PERSIST, on_tick, &f);
        struct timeval every = {0, 100000};
        if (f.tick)
            event_add(f.tick, &every);
        f.sigint = evsignal_new(base, SIGINT, on_signal, &f);
        f.sigterm = evsignal_new(base, SIGTERM, on_signal, &f);
        if (f.sigint)
            event_add(f.sigint, NULL);
        if (f.sigterm)
            event_add(f.sigterm, NULL);
        r->concurrency = f.n_slots;
        r->base_rss_kb = rss_kb();
        clock_gettime(CLOCK_MONOTONIC, &f.t0);
        for (size_t i = 0; i < f.n_slots; i++) {
            f.slots[i].f = &f;
            start_next(&f, &f.slots[i]);
        }
        if (f.in_flight)
            event_base_dispatch(base);
        r->seconds = since(&f.t0);
        progress(&f, 1);
        struct rusage ru;
        r->peak_rss_kb = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
        if (f.tick)
            event_free(f.tick);
        if (f.sigint)
            event_free(f.sigint);
        if (f.sigterm)
            event_free(f.sigterm);
        for (size_t i = 0; i < f.n_slots; i++) /* boots in flight when interrupted */
            ph_boot_free(f.slots[i].b);
        rc = fl_save(o->state, &l, d);
        if (!rc)
            rc = fl_scan(o->state, &l, r, d);
    }
    free(f.slots);
    ph_loop_free(f.loop);
    free(l.p);
    return rc;
}
