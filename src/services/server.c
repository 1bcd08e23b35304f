/*
 * server.c - one node's services on one event loop: set-up, logging,
 * signals.  The file namespace TFTP and HTTP share is files.c's.
 *
 * SIGTERM / SIGINT stop the loop.  Files need no reload: they are looked up
 * per request and a changed file is read again, while transfers in progress
 * keep the bytes they started with.  SIGHUP, or `utils service restart` of
 * TVS or CAPF on this node (a generation in the database, polled each
 * second by tvs.c), reloads the TLS certificates and TVS's caches; open
 * connections keep the context they started with.
 */
#include "server.h"

#include "phonetrust/fileio.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/thread.h>
#include <pthread.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <pwd.h>
#include <syslog.h>

void srv_log(server *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    srv_logger_vwrite(s->log, LOG_INFO, fmt, ap);
    va_end(ap);
}

void srv_logl(server *s, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    srv_logger_vwrite(s->log, level, fmt, ap);
    va_end(ap);
}

void srv_peer_ip(const char *peer, char *out, size_t n)
{
    const char *colon = strrchr(peer, ':');
    size_t len = colon ? (size_t)(colon - peer) : strlen(peer);
    snprintf(out, n, "%.*s", (int)len, peer);
}

size_t srv_hash(const char *key)
{
    size_t h = 5381; /* djb2 */
    for (const char *p = key; *p; p++)
        h = h * 33 + (unsigned char)*p;
    return h;
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

/* what (may be NULL) names the service in messages.
 * The workers share each port through SO_REUSEPORT, which would let a
 * second phonetrust (same user) share it too and answer half the phones.
 * So the first worker first binds the port alone (no SO_REUSEPORT, and no
 * SO_REUSEADDR for UDP): if anything holds it, the serve stops at start.
 * (Two serves started in the same instant could still both pass; systemd
 * starts one.) */
int srv_port_free(server *s, const struct sockaddr *sa, socklen_t len, int type, const char *what, const char *spec,
                  pt_diag *d)
{
    if (s->index != 0)
        return PT_OK;
    int fd = socket(sa->sa_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s%scannot open a socket: %s", what ? what : "",
                           what ? ": " : "", strerror(errno));
    int one = 1;
    if (type == SOCK_STREAM) /* connections of an earlier serve in TIME_WAIT are no owner */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, sa, len) == 0 ? PT_OK : errno;
    close(fd);
    if (rc == EADDRINUSE)
        return pt_diag_set(d, PT_ERR_IN_USE, PT_NO_OFFSET,
                           "%s%s%s is already in use (another phonetrust serve, or another server); stop it or "
                           "choose another address or port",
                           what ? what : "", what ? ": " : "", spec);
    if (rc)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s%scannot listen on %s: %s", what ? what : "", what ? ": " : "",
                           spec, strerror(rc));
    return PT_OK;
}

/* accept() failed for another reason than a retry: out of file descriptors
 * (EMFILE, ENFILE) or memory.  The socket stays readable, so libevent would
 * call again at once - a busy loop with a warning each time.  So the
 * listener pauses a quarter of a second, then takes connections again. */
static void resume_listener(evutil_socket_t fd, short ev, void *arg)
{
    (void)fd, (void)ev;
    evconnlistener_enable(arg);
}

static void pause_listener(struct evconnlistener *lev)
{
    struct timeval tv = {0, 250000};
    evconnlistener_disable(lev);
    event_base_once(evconnlistener_get_base(lev), -1, EV_TIMEOUT, resume_listener, lev, &tv);
}

/* HTTP's listener: its user data is evhttp's, so this one pauses silently */
static void on_accept_error(struct evconnlistener *lev, void *arg)
{
    (void)arg;
    pause_listener(lev);
}

/* TVS's and CAPF's: one log line a second at most, with the pauses since */
static void on_accept_error_logged(struct evconnlistener *lev, void *arg)
{
    server *s = arg;
    int err = EVUTIL_SOCKET_ERROR();
    pause_listener(lev);
    s->accept_pauses++;
    time_t now = time(NULL);
    if (now != s->accept_logged) {
        srv_logl(s, LOG_WARNING, "SERVE cannot accept connections (%s): paused %d time%s, 250 ms each", strerror(err),
                s->accept_pauses, s->accept_pauses == 1 ? "" : "s");
        s->accept_logged = now;
        s->accept_pauses = 0;
    }
}

int srv_listen(server *s, int port, evconnlistener_cb cb, void *arg, struct evconnlistener **out, pt_diag *d)
{
    *out = NULL;
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    char spec[128];
    snprintf(spec, sizeof spec, strchr(s->o->addr, ':') ? "[%s]:%d" : "%s:%d", s->o->addr, port);
    if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) != 0)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--addr %s is not an address", s->o->addr);
    int rc = srv_port_free(s, (struct sockaddr *)&ss, (socklen_t)sslen, SOCK_STREAM, NULL, spec, d);
    if (rc)
        return rc;
    *out = evconnlistener_new_bind(s->base, cb, arg, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
                                   512, (struct sockaddr *)&ss, sslen);
    if (!*out)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot listen on %s: %s", spec, strerror(errno));
    evconnlistener_set_error_cb(*out, cb ? on_accept_error_logged : on_accept_error);
    return PT_OK;
}

/* ---- signals ---- */

typedef struct pool {
    server *w;
    int n;
} pool;

int srv_tls_ctx(server *s, const char *node, const char *name, const char *what, SSL_CTX **out, pt_diag *d)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    *out = NULL;
    int rc = pt_cluster_cert_key(s->cl, node, name, &key, &cert, d);
    if (rc)
        return pt_diag_prefix(d, rc, "%s", what);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    int ok = ctx && SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
             SSL_CTX_check_private_key(ctx) == 1;
    if (ok && s->o->tls_min_10) {
        /* old phones speak TLS 1.0 only (§5.1) */
        SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
        SSL_CTX_set_security_level(ctx, 0);
        SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
    } else if (ok) {
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    }
    EVP_PKEY_free(key); /* the context keeps its own reference */
    X509_free(cert);
    ERR_clear_error();
    if (!ok) {
        SSL_CTX_free(ctx);
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "%s: cannot use the certificate %s", what, name);
    }
    *out = ctx;
    return PT_OK;
}

struct bufferevent *srv_tls_accept(server *s, srv_service svc, SSL_CTX *ctx, evutil_socket_t fd,
                                   const struct sockaddr *sa, char *peer, size_t n)
{
    srv_peer(sa, peer, n);
    if (!srv_admit(s, svc, peer)) {
        evutil_closesocket(fd);
        return NULL;
    }
    SSL *ssl = SSL_new(ctx);
    struct bufferevent *bev =
        ssl ? bufferevent_openssl_socket_new(s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)
            : NULL;
    if (!bev) {
        if (ssl)
            SSL_free(ssl);
        evutil_closesocket(fd);
        srv_release(s, svc, peer);
        return NULL;
    }
    struct timeval tv = {s->o->io_timeout, 0};
    bufferevent_set_timeouts(bev, &tv, &tv);
    return bev;
}

static void on_stop(evutil_socket_t sig, short ev, void *arg)
{
    (void)ev;
    pool *p = arg;
    srv_log(&p->w[0], "SERVE signal %d: stopping", (int)sig);
    for (int i = 0; i < p->n; i++)
        if (p->w[i].base)
            event_base_loopexit(p->w[i].base, NULL);
}

static void on_hup(evutil_socket_t sig, short ev, void *arg)
{
    (void)sig, (void)ev;
    pool *p = arg;
    int reopened = srv_logger_reopen(p->w[0].log);
    srv_log(&p->w[0], "SERVE SIGHUP: reloading certificates and caches%s",
            reopened ? "; the log could not be reopened, still writing to the old one" : "");
    /* each worker refreshes on its own loop at its next tick */
    for (int i = 0; i < p->n; i++)
        p->w[i].reload = 1;
}

/* Each second: SIGHUP or a restart request reloads certificates; TVS
 * follows the database and CTLFile.tlv.  Restart requests are looked up
 * only when the database changed (PRAGMA data_version). */
static void on_refresh(evutil_socket_t fd, short ev, void *arg)
{
    (void)fd, (void)ev;
    server *s = arg;
    srv_limits_tick(s);
    if (s->index == 0)
        srv_alerts_tick(s);
    int force = s->reload;
    s->reload = 0;
    long long v = pt_cluster_data_version(s->cl);
    int restart_tvs = 0, restart_capf = 0;
    if (v != s->seen_version) {
        s->seen_version = v;
        pt_node self;
        if (pt_cluster_node(s->cl, s->self.name, &self, NULL) == PT_OK) {
            if ((self.services ^ s->self.services) & PT_SVC_CAPF && s->capf_listener && s->index == 0)
                srv_log(s, "SERVE %s %s", PT_SERVICE_CAPF,
                        self.services & PT_SVC_CAPF ? "activated" : "deactivated: phones are turned away");
            s->self.services = self.services;
        }
        long long g = pt_cluster_service_generation(s->cl, s->self.name, PT_SERVICE_TVS);
        restart_tvs = s->tvs_ctx && g > s->tvs_gen;
        s->tvs_gen = g > s->tvs_gen ? g : s->tvs_gen;
        g = pt_cluster_service_generation(s->cl, s->self.name, PT_SERVICE_CAPF);
        restart_capf = s->capf_ctx && g > s->capf_gen;
        s->capf_gen = g > s->capf_gen ? g : s->capf_gen;
    }
    if (restart_tvs && s->index == 0)
        srv_log(s, "SERVE %s restarted: reloading its certificate and caches", PT_SERVICE_TVS);
    if (s->tvs_ctx)
        tvs_refresh(s, force || restart_tvs);
    if (s->capf_ctx && (force || restart_capf)) {
        pt_diag d;
        if (restart_capf && s->index == 0)
            srv_log(s, "SERVE %s restarted: reloading its certificate", PT_SERVICE_CAPF);
        if (capf_reload(s, &d) && s->index == 0)
            srv_logl(s, LOG_WARNING, "CAPF reload failed, keeping the previous certificate: %s", d.msg);
    }
}

/* Opens what one worker serves.  Worker 0 also reports. */
static int worker_open(server *s, const pt_serve_opts *o, int index, pt_diag *d)
{
    memset(s, 0, sizeof *s);
    s->o = o;
    s->index = index;
    s->tftp_fd = -1;
    if (!(s->limits = srv_limits_new()))
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    int rc = pt_cluster_open(o->home, &s->cl, d);
    if (!rc)
        rc = o->node ? pt_cluster_node(s->cl, o->node, &s->self, d) : pt_cluster_publisher(s->cl, &s->self, d);
    if (!rc)
        rc = pt_cluster_tftp_dir(s->cl, s->self.name, s->tftp_dir, sizeof s->tftp_dir);
    if (!rc && o->n_roots && !(s->root_real = calloc((size_t)o->n_roots, PATH_MAX)))
        rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    for (int r = 0; !rc && r < o->n_roots; r++) {
        struct stat st;
        if (stat(o->roots[r], &st) != 0 || !S_ISDIR(st.st_mode) || !realpath(o->roots[r], s->root_real[r]))
            rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "--root %s: %s", o->roots[r],
                             errno && stat(o->roots[r], &st) != 0 ? strerror(errno) : "not a directory");
    }
    if (!rc && !(s->base = event_base_new()))
        rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "cannot create the event loop");
    if (!rc && o->tftp_port && (s->self.services & PT_SVC_TFTP))
        rc = tftp_start(s, d);
    if (!rc && o->http_port && (s->self.services & PT_SVC_TFTP))
        rc = http_start(s, d);
    if (!rc && o->tvs_port && (s->self.services & PT_SVC_TVS))
        rc = tvs_start(s, d);
    if (!rc && o->capf_port && s->self.publisher)
        rc = capf_start(s, d); /* CAPF runs on the publisher only */
    if (!rc) {
        s->seen_version = pt_cluster_data_version(s->cl);
        s->tvs_gen = pt_cluster_service_generation(s->cl, s->self.name, PT_SERVICE_TVS);
        s->capf_gen = pt_cluster_service_generation(s->cl, s->self.name, PT_SERVICE_CAPF);
        struct timeval one = {1, 0};
        if (!(s->refresh_ev = event_new(s->base, -1, EV_PERSIST, on_refresh, s)) || event_add(s->refresh_ev, &one))
            rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "cannot start the refresh timer");
    }
    return rc;
}

static void worker_close(server *s)
{
    if (s->refresh_ev)
        event_free(s->refresh_ev);
    capf_stop(s);
    tvs_stop(s);
    http_stop(s);
    tftp_stop(s);
    for (int i = 0; i < FILE_CACHE; i++)
        blob_unref(s->files[i].b);
    srv_made_free(s);
    srv_signer_free(s);
    free(s->root_real);
    if (s->base)
        event_base_free(s->base);
    pt_cluster_close(s->cl);
    srv_limits_free(s->limits);
}

static void *worker_run(void *arg)
{
    server *s = arg;
    event_base_dispatch(s->base);
    return NULL;
}

int pt_serve(const pt_serve_opts *o, pt_diag *d)
{
    int n = o->workers > 0 ? o->workers : 1;
    signal(SIGPIPE, SIG_IGN);
    /* every client holds a descriptor: as many as the system allows this process */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (n > 1)
        evthread_use_pthreads();
    struct passwd *pw = NULL;
    int rc = srv_privs_check(o, &pw, d);
    if (rc)
        return rc;
    srv_logger *log;
    if ((rc = srv_logger_open(o->log_path, &log, d)))
        return rc;
    pool p = {calloc((size_t)n, sizeof(server)), n};
    if (!p.w) {
        srv_logger_close(log);
        return PT_ERR_NOMEM;
    }
    srv_fetches *fetches = srv_fetches_new();
    srv_once *once = srv_once_new();
    rc = fetches && once ? PT_OK : PT_ERR_NOMEM;
    for (int i = 0; i < n && !rc; i++) {
        rc = worker_open(&p.w[i], o, i, d); /* (it clears the worker first) */
        p.w[i].fetches = fetches;
        p.w[i].once = once;
        p.w[i].log = log;
    }
    /* every port is bound: from here on, the service user's, with no capability */
    if (!rc)
        rc = srv_privs_drop(pw, d);
    if (!rc && pw)
        srv_log(&p.w[0], "SERVE running as %s (uid %u, gid %u)", pw->pw_name, (unsigned)pw->pw_uid,
                (unsigned)pw->pw_gid);
    pthread_t threads[64];
    int started = 0;
    if (!rc) {
        server *s = &p.w[0];
        struct event *sig_term = evsignal_new(s->base, SIGTERM, on_stop, &p);
        struct event *sig_int = evsignal_new(s->base, SIGINT, on_stop, &p);
        struct event *sig_hup = evsignal_new(s->base, SIGHUP, on_hup, &p);
        event_add(sig_term, NULL);
        event_add(sig_int, NULL);
        event_add(sig_hup, NULL);
        srv_log(s, "SERVE node %s on %s: TFTP %d, HTTP %d, TVS %d, CAPF %d, %d worker%s", s->self.name, o->addr,
                s->tftp_fd >= 0 ? o->tftp_port : 0, s->http ? o->http_port : 0, s->tvs_listener ? o->tvs_port : 0,
                s->capf_listener ? o->capf_port : 0, n, n == 1 ? "" : "s");
        for (int i = 1; i < n && i < 64; i++)
            if (pthread_create(&threads[i], NULL, worker_run, &p.w[i]) == 0)
                started = i;
        event_base_dispatch(s->base);
        for (int i = 1; i <= started; i++) {
            event_base_loopexit(p.w[i].base, NULL);
            pthread_join(threads[i], NULL);
        }
        srv_log(s, "SERVE stopped");
        event_free(sig_term);
        event_free(sig_int);
        event_free(sig_hup);
    }
    for (int i = 0; i < n; i++)
        worker_close(&p.w[i]);
    srv_fetches_free(fetches);
    srv_once_free(once);
    free(p.w);
    srv_logger_close(log);
    return rc;
}
