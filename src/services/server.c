/*
 * server.c - one node's services on one event loop: set-up, the file
 * namespace shared by TFTP and HTTP, logging, signals.
 *
 * SIGTERM / SIGINT stop the loop; SIGHUP (or `utils service restart`, which
 * rewrites the files) needs nothing here: files are looked up per request
 * and a changed file is read again, while transfers in progress keep the
 * bytes they started with.  SIGHUP refreshes TVS's certificates and caches.
 */
#include "server.h"

#include "phonetrust/fileio.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void srv_log(server *s, const char *fmt, ...)
{
    FILE *f = s->log ? s->log : stderr;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    char when[40];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(f, "%s.%03ld ", when, ts.tv_nsec / 1000000);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fflush(f);
}

const char *srv_peer(const struct sockaddr *sa, char *buf, size_t n)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in->sin6_addr, ip, sizeof ip);
        port = ntohs(in->sin6_port);
    }
    snprintf(buf, n, "%s:%d", ip, port);
    return buf;
}

void blob_unref(blob *b)
{
    if (b && --b->refs == 0)
        free(b);
}

/* ---- the file namespace (§8) ---- */

static int safe_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 255 || name[0] == '/' || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return 0;
        if (c == '/' && (name[i + 1] == '/' || name[i + 1] == '.' || name[i + 1] == '\0'))
            return 0; /* no empty, hidden, "." or ".." components */
    }
    return 1;
}

/* SEP + 12 hex digits at p (case-insensitive) */
static int is_sep_mac(const char *p)
{
    if (strncasecmp(p, "SEP", 3))
        return 0;
    for (int i = 3; i < 15; i++)
        if (!isxdigit((unsigned char)p[i]))
            return 0;
    return 1;
}

static blob *load(server *s, const char *name, int *err)
{
    char path[PATH_MAX];
    struct stat st;
    if (pt_path_join(path, sizeof path, s->tftp_dir, name) || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        *err = 1;
        return NULL;
    }
    for (int i = 0; i < FILE_CACHE; i++) {
        cached_file *f = &s->files[i];
        if (f->b && !strcmp(f->path, path) && f->dev == st.st_dev && f->ino == st.st_ino && f->size == st.st_size &&
            f->mtime.tv_sec == st.st_mtim.tv_sec && f->mtime.tv_nsec == st.st_mtim.tv_nsec) {
            f->b->refs++;
            return f->b;
        }
    }
    uint8_t *data;
    size_t len;
    if (pt_file_read(path, &data, &len, PT_FILE_MAX, NULL)) {
        *err = 1;
        return NULL;
    }
    blob *b = malloc(sizeof *b + len + 1);
    if (!b) {
        free(data);
        *err = 1;
        return NULL;
    }
    b->refs = 2; /* the caller's and the cache's */
    b->len = len;
    memcpy(b->data, data, len);
    free(data);
    cached_file *f = &s->files[s->next_file++ % FILE_CACHE];
    blob_unref(f->b);
    snprintf(f->path, sizeof f->path, "%s", path);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = st.st_size;
    f->mtime = st.st_mtim;
    f->b = b;
    return b;
}

blob *srv_file(server *s, const char *requested, char *resolved, size_t n, int *err)
{
    *err = 0;
    if (!safe_name(requested)) {
        *err = 2;
        return NULL;
    }
    snprintf(resolved, n, "%s", requested);
    blob *b = load(s, requested, err);
    if (b)
        return b;
    size_t len = strlen(requested);
    /* per-device trust lists fall back to the generic ones */
    if (len == 22 && !strncasecmp(requested, "CTL", 3) && is_sep_mac(requested + 3) &&
        !strcasecmp(requested + 18, ".tlv"))
        snprintf(resolved, n, "CTLFile.tlv");
    else if (len == 22 && !strncasecmp(requested, "ITL", 3) && is_sep_mac(requested + 3) &&
             !strcasecmp(requested + 18, ".tlv"))
        snprintf(resolved, n, "ITLFile.tlv");
    /* an unknown phone's configuration: the auto-registration default */
    else if (len >= 23 && is_sep_mac(requested) && !strcmp(requested + 15, ".cnf.xml"))
        snprintf(resolved, n, "XMLDefault.cnf.xml");
    else if (len >= 27 && is_sep_mac(requested) && !strcmp(requested + 15, ".cnf.xml.sgn"))
        snprintf(resolved, n, "XMLDefault.cnf.xml.sgn");
    else
        return NULL;
    return load(s, resolved, err);
}

/* ---- signals ---- */

static void on_stop(evutil_socket_t sig, short ev, void *arg)
{
    (void)ev;
    server *s = arg;
    srv_log(s, "SERVE signal %d: stopping", (int)sig);
    event_base_loopexit(s->base, NULL);
}

static void on_hup(evutil_socket_t sig, short ev, void *arg)
{
    (void)sig, (void)ev;
    server *s = arg;
    srv_log(s, "SERVE SIGHUP: reloading certificates and caches");
    tvs_refresh(s, 1);
}

int pt_serve(const pt_serve_opts *o, pt_diag *d)
{
    server s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.tftp_fd = -1;
    signal(SIGPIPE, SIG_IGN);
    if (o->log_path && !(s.log = fopen(o->log_path, "a")))
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: cannot open the log: %s", o->log_path, strerror(errno));
    int rc = pt_cluster_open(o->home, &s.cl, d);
    if (!rc)
        rc = o->node ? pt_cluster_node(s.cl, o->node, &s.self, d) : pt_cluster_publisher(s.cl, &s.self, d);
    if (!rc)
        rc = pt_cluster_tftp_dir(s.cl, s.self.name, s.tftp_dir, sizeof s.tftp_dir);
    if (!rc && !(s.base = event_base_new()))
        rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "cannot create the event loop");
    if (!rc && o->tftp_port && (s.self.services & PT_SVC_TFTP))
        rc = tftp_start(&s, d);
    if (!rc && o->http_port && (s.self.services & PT_SVC_TFTP))
        rc = http_start(&s, d);
    if (!rc && o->tvs_port && (s.self.services & PT_SVC_TVS))
        rc = tvs_start(&s, d);
    if (!rc && o->capf_port && s.self.publisher)
        rc = capf_start(&s, d); /* CAPF runs on the publisher only */
    if (!rc) {
        s.sig_term = evsignal_new(s.base, SIGTERM, on_stop, &s);
        s.sig_int = evsignal_new(s.base, SIGINT, on_stop, &s);
        s.sig_hup = evsignal_new(s.base, SIGHUP, on_hup, &s);
        event_add(s.sig_term, NULL);
        event_add(s.sig_int, NULL);
        event_add(s.sig_hup, NULL);
        srv_log(&s, "SERVE node %s on %s: TFTP %d, HTTP %d, TVS %d, CAPF %d", s.self.name, o->addr,
                s.tftp_fd >= 0 ? o->tftp_port : 0, s.http ? o->http_port : 0, s.tvs_listener ? o->tvs_port : 0,
                s.capf_listener ? o->capf_port : 0);
        event_base_dispatch(s.base);
        srv_log(&s, "SERVE stopped");
    }
    capf_stop(&s);
    tvs_stop(&s);
    http_stop(&s);
    tftp_stop(&s);
    if (s.sig_term) {
        event_free(s.sig_term);
        event_free(s.sig_int);
        event_free(s.sig_hup);
    }
    for (int i = 0; i < FILE_CACHE; i++)
        blob_unref(s.files[i].b);
    if (s.base)
        event_base_free(s.base);
    pt_cluster_close(s.cl);
    if (s.log)
        fclose(s.log);
    return rc;
}
