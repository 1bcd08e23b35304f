/*
 * server.h - the services of one node (`phonetrust serve`): TFTP, HTTP on
 * 6970, TVS and (later) CAPF on one libevent loop.  Shared by the service
 * sources only; the command line sees pt_serve().
 */
#ifndef PHONETRUST_SERVER_H
#define PHONETRUST_SERVER_H

#include <limits.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "phonetrust/certcache.h"
#include "phonetrust/cluster.h"

typedef struct pt_serve_opts {
    const char *home;
    const char *node;
    const char *addr;
    int tftp_port, http_port, tvs_port, capf_port;
    int max_clients;    /* per service, per worker */
    int max_per_peer;   /* per service, per worker, from one address (0: max_clients) */
    int workers;        /* event loops, one thread each, sharing the ports (SO_REUSEPORT) */
    int tls_min_10;     /* accept TLS 1.0 (old 79xx phones) */
    int io_timeout;     /* seconds a connection may stay idle */
    const char *log_path;
    const char *const *roots; /* the administrator's trees (--root), in order */
    int n_roots;
    const char *user;   /* --user: bind the ports, then run as this user */
    int allow_root;     /* --allow-root: keep running as root */
    int trace_tvs;      /* --trace-tvs: each lookup in the lines of CUCM's TVS trace (seed 002) */
} pt_serve_opts;

/* Runs until SIGTERM/SIGINT.  Returns 0 or a PT_ERR_* (d says why). */
int pt_serve(const pt_serve_opts *o, pt_diag *d);

/* privs.c: root refused without --user or --allow-root; after the ports are
 * bound, the service user's ids (pw from srv_privs_check) or, not root, no
 * capability at all */
struct passwd;
int srv_privs_check(const pt_serve_opts *o, struct passwd **pw, pt_diag *d);
int srv_privs_drop(const struct passwd *pw, pt_diag *d);

/* ---- internal ---- */

/* A file's bytes, shared by the transfers that send it: a transfer keeps
 * the version it started with even if the file is replaced meanwhile. */
typedef struct blob {
    int refs;
    size_t len;
    uint8_t data[];
} blob;

void blob_unref(blob *b);

#define FILE_CACHE 64

typedef struct cached_file {
    char path[PATH_MAX];
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    blob *b;
} cached_file;

/* files.c: a file made here from one of the administrator's (NAME.sgn
 * signed on request, a device's configuration from its SEP<MAC>.cnf.xml),
 * kept while its source, the signer (and the database) stay the same */
#define MADE_CACHE 64
typedef struct made_file {
    char key[PATH_MAX + 16];
    cached_file src;   /* the source's stamp (path and b unused) */
    uint8_t signer[20];
    long long version; /* database version for configurations, else -1 */
    blob *b[3];        /* .sgn; or plain, .sgn, .enc.sgn of a configuration */
} made_file;
/* what was said once already, shared by the workers */
typedef struct srv_once srv_once;
srv_once *srv_once_new(void);
void srv_once_free(srv_once *o);

/* limits.c: each service's clients, and each address's, per worker */
typedef enum { SVC_TFTP, SVC_HTTP, SVC_TVS, SVC_CAPF, SVC_N } srv_service;
typedef struct srv_limits srv_limits;
struct server;
srv_limits *srv_limits_new(void);
void srv_limits_free(srv_limits *l);
/* 1: admitted and counted (srv_release when it ends); 0: refused (counted
 * for the next summary line).  peer is "ip:port". */
int srv_admit(struct server *s, srv_service svc, const char *peer);
void srv_release(struct server *s, srv_service svc, const char *peer);
int srv_clients(const struct server *s, srv_service svc);
/* On the one-second tick: one log line per service that refused clients. */
void srv_limits_tick(struct server *s);
/* alerts.c, on worker 0's tick: the alerts in force (the ITLRecovery
 * backup), in serve's own log once a day and in the cluster's log. */
void srv_alerts_tick(struct server *s);

/* fetches.c: which address last fetched each device's configuration
 * (shared by the workers); a DeviceTLInfo report counts only from it. */
typedef struct srv_fetches srv_fetches;
srv_fetches *srv_fetches_new(void);
void srv_fetches_free(srv_fetches *f);
/* file as requested ("SEP<MAC>.cnf.xml..."; anything else is ignored), peer "ip:port" */
void srv_fetches_note(srv_fetches *f, const char *file, const char *peer);
/* 1 when device's configuration was last fetched from peer's address;
 * fetched_by receives that address ("" when none was). */
int srv_fetches_from(srv_fetches *f, const char *device, const char *peer, char *fetched_by, size_t n);

typedef struct server {
    const pt_serve_opts *o;
    srv_fetches *fetches;   /* shared by the workers */
    int index;              /* worker number */
    struct event_base *base;
    pt_cluster *cl;
    pt_node self;
    time_t alert_logged;    /* alerts.c: when this serve last logged the alerts (0: not yet) */
    int alert_wait;         /* ticks until it looks again */
    char tftp_dir[PATH_MAX];
    char tftp_real[PATH_MAX]; /* tftp_dir with its links resolved (load() fills it) */
    struct srv_logger *log; /* shared */
    srv_limits *limits;
    cached_file files[FILE_CACHE];
    int next_file;
    /* files.c: the administrator's trees, and what is signed here */
    char (*root_real)[PATH_MAX]; /* each --root with its links resolved */
    srv_once *once;              /* shared */
    made_file made[MADE_CACHE];
    int next_made;
    pt_signer signer;            /* the node's CallManager key, loaded on first use */
    EVP_PKEY *sign_key;
    X509 *sign_cert;
    uint8_t signer_id[20];       /* SHA-1 of its certificate */
    int signer_ok;
    long long signer_version;    /* database version it was checked at */
    /* TFTP */
    struct transfer *xfers; /* in flight, freed at stop */
    evutil_socket_t tftp_fd;
    struct event *tftp_ev;
    /* HTTP */
    struct evhttp *http;
    struct http_conn *http_conns; /* counted towards clients */
    /* TVS */
    struct tvs_conn *conns; /* open, freed at stop */
    SSL_CTX *tvs_ctx;
    struct evconnlistener *tvs_listener;
    pt_certcache *db_cache, *ctl_cache;
    pt_filestamp ctl_stamp;
    long long db_version;
    struct event *refresh_ev; /* server.c: the one-second tick */
    /* CAPF (publisher only) */
    struct capf_conn *capf_conns;
    SSL_CTX *capf_ctx;
    struct evconnlistener *capf_listener;
    uint32_t capf_sid;
    char (*capf_done)[16];       /* devices whose operation ended: configs to rewrite */
    size_t capf_done_n, capf_done_cap;
    struct event *capf_done_ev;  /* capf.c: rewrites them a moment later, together */
    struct capf_trust *capf_trust; /* capf.c: CAPF-trust issuers, decoded once a database change */
    volatile int reload;    /* SIGHUP seen: refresh at the next tick */
    int accept_pauses;      /* listeners paused (out of descriptors) since the last line */
    time_t accept_logged;
    long long tvs_gen, capf_gen; /* 'utils service restart' generations seen */
    long long seen_version;      /* data_version when they were read */
} server;

/* log.c: where the lines go (--log FILE|syslog, else stderr or journald) */
typedef struct srv_logger srv_logger;
/* spec NULL: stderr; "syslog"; else a file. */
int srv_logger_open(const char *spec, srv_logger **out, pt_diag *d);
/* SIGHUP: a file is opened again (after logrotate renamed it); 0, or -1
 * when it could not be (the old one is kept). */
int srv_logger_reopen(srv_logger *l);
void srv_logger_close(srv_logger *l);
void srv_logger_vwrite(srv_logger *l, int level, const char *fmt, va_list ap);
/* One line at LOG_INFO; srv_logl at a syslog level (LOG_WARNING, LOG_ERR). */
void srv_log(server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void srv_logl(server *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *srv_peer(const struct sockaddr *sa, char *buf, size_t n);
/* The address of a peer "ip:port" (an IPv6 address keeps its colons). */
void srv_peer_ip(const char *peer, char *out, size_t n);
/* A string hash for the services' small tables. */
size_t srv_hash(const char *key);
/* PT_OK when nothing holds addr:port (checked by worker 0 only), else
 * PT_ERR_IN_USE naming what and where. */
int srv_port_free(server *s, const struct sockaddr *sa, socklen_t len, int type, const char *what, const char *spec,
                  pt_diag *d);
/* A listening TCP socket on --addr:port shared by the workers. */
int srv_listen(server *s, int port, evconnlistener_cb cb, void *arg, struct evconnlistener **out, pt_diag *d);

/*
 * The file namespace of §8 (files.c): the node's files, the administrator's
 * trees, CTLSEP<MAC>.tlv -> CTLFile.tlv, ITLSEP<MAC>.tlv -> ITLFile.tlv,
 * SEP<MAC>.cnf.xml[.sgn] -> XMLDefault.cnf.xml[.sgn] for auto-registration.
 * Names with "..", absolute paths or other escapes are refused.  Returns the bytes (a new reference),
 * or NULL with *err = 1 not found, 2 access violation.  resolved receives
 * the name actually served.
 */
blob *srv_file(server *s, const char *requested, char *resolved, size_t n, int *err);
/* 1 for a phone load or image by its name (never signed here). */
int srv_is_firmware(const char *name);
void srv_signer_free(server *s);
void srv_made_free(server *s);

/* A TLS server context with the certificate and key `name` (PT_CERT_TVS,
 * PT_CERT_CAPF) of `node` (NULL: the publisher): TLS 1.2 minimum, or 1.0
 * with --tls-min 1.0.  `what` names the service in errors. */
int srv_tls_ctx(server *s, const char *node, const char *name, const char *what, SSL_CTX **out, pt_diag *d);
/* A TLS connection accepted for svc (SVC_TVS, SVC_CAPF): when admitted
 * (srv_admit), a server-side TLS bufferevent with --timeout both ways;
 * otherwise NULL, the socket closed (counted for the summary).  peer
 * receives the peer's address; srv_release(s, svc, peer) when it ends. */
struct bufferevent *srv_tls_accept(server *s, srv_service svc, SSL_CTX *ctx, evutil_socket_t fd,
                                   const struct sockaddr *sa, char *peer, size_t n);

int tftp_start(server *s, pt_diag *d);
void tftp_stop(server *s);
int http_start(server *s, pt_diag *d);
void http_stop(server *s);
int tvs_start(server *s, pt_diag *d);
void tvs_stop(server *s);
int capf_start(server *s, pt_diag *d);
void capf_stop(server *s);
/* A new CAPF certificate for the connections that follow (SIGHUP or restart). */
int capf_reload(server *s, pt_diag *d);
/* Rebuilds TVS's caches when the database or CTLFile.tlv changed (called by
 * the one-second tick of server.c); force: also reload the TVS certificate. */
void tvs_refresh(server *s, int force);

/* A field of a DeviceTLInfo report (http.c): form-encoded
 * (DeviceName=...&ITL_Signature=...) or the alarm's XML
 * (<DeviceName>...</DeviceName>); 1 when found, out "" otherwise. */
int srv_report_field(const char *body, const char *name, char *out, size_t n);

#endif
