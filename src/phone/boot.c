/*
 * boot.c - the simulated phone's boot (phone-trust-rules.md) as a state
 * machine on a libevent loop: TFTP client (RFC 1350 + blksize, retransmit),
 * TVS client over TLS (§5, failover across the config's TVS list, the
 * answer cache), CAPF client (§6), the DeviceTLInfo POST.
 *
 * Stages run one after another (CTL, ITL, config, CAPF, report); a stage
 * that waits on the network leaves a continuation (a step_fn) and returns
 * to the loop.  The trust engine (engine.h) is pure and synchronous: when
 * it asks TVS about a certificate nobody has answered yet, the check is
 * abandoned, TVS is asked on the loop, and the check runs again with the
 * answer.
 */
#include "boot.h"

#include "phone_internal.h"
#include "phonetrust/wire.h"
#include "phonetrust/cert.h"
#include "phonetrust/constants.h"
#include "phonetrust/crypto.h"
#include "phonetrust/enccnf.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sgn.h"
#include "phonetrust/trustlist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FILE (1u << 20)
#define MAX_ANSWERS 4
#define MAX_TVS 4

struct ph_loop {
    struct event_base *base;
    SSL_CTX *tls; /* no chain checks: the phone compares certificates with its lists */
    pt_keycache *keys; /* signers' keys, decoded once for every phone on the loop */
};

ph_loop *ph_loop_new(pt_diag *d)
{
    ph_loop *l = calloc(1, sizeof *l);
    if (l && (l->base = event_base_new()) && (l->tls = SSL_CTX_new(TLS_client_method())) &&
        (l->keys = pt_keycache_new(64)))
        return l;
    ph_loop_free(l);
    pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "cannot create the event loop or the TLS context");
    return NULL;
}

struct event_base *ph_loop_base(ph_loop *l)
{
    return l->base;
}

void ph_loop_free(ph_loop *l)
{
    if (!l)
        return;
    SSL_CTX_free(l->tls);
    pt_keycache_free(l->keys);
    if (l->base)
        event_base_free(l->base);
    free(l);
}

typedef void (*step_fn)(ph_boot *b);

typedef struct tvs_answer {
    char hash[65];
    int valid;
    uint32_t roles;
} tvs_answer;

enum { ST_CTL, ST_ITL, ST_CONFIG, ST_FILES, ST_CAPF, ST_REPORT, ST_END };

struct ph_boot {
    ph_loop *loop;
    const pt_phone_boot_opts *o;
    phone ph;
    int opened;
    pt_phone_result res;
    int rc;
    pt_diag d;
    ph_boot_done done;
    void *done_arg;
    struct event *kick; /* runs the next stage from the loop */
    int stage;
    struct sockaddr_in tftp_srv;

    /* a TFTP transfer: the first of names[] the server has */
    char names[3][128];
    int n_names, name_i;
    int got_rc; /* 1 got names[name_i], 0 none of them, <0 error (d) */
    pt_buf got;
    step_fn tftp_then;
    int fd;
    struct event *ev;
    struct sockaddr_in peer;
    int have_peer, tries;
    uint8_t last[300];
    size_t last_len, blksize;
    uint16_t expect;

    /* trust checks and the TVS answers this boot got */
    int is_ctl;
    tvs_answer ans[MAX_ANSWERS];
    int n_ans;
    uint8_t *ask_der; /* the certificate the engine asked about, not answered yet */
    size_t ask_len;
    char ask_hash[65];
    char tvs_addr[MAX_TVS][64];
    int tvs_port[MAX_TVS];
    size_t tvs_n, tvs_i;
    step_fn tvs_then;

    /* a TCP or TLS connection */
    struct bufferevent *bev;
    int connected;
    unsigned char *peer_der;
    int peer_der_len;
    void (*c_up)(ph_boot *b, int up); /* 1 up, 0 cannot connect, -1 TLS handshake failed */
    step_fn c_readable, c_closed;
    char c_host[64];
    int c_port;

    /* CAPF */
    char capf_op[16];
    const char *capf_password;
    EVP_PKEY *auth_key, *lsc_key;
    X509 *auth_cert;
    int capf_reason;
    /* an RSA key generated on a thread, so the other phones' timers run */
    pthread_t kg_thread;
    int kg_running, kg_pipe[2], kg_bits;
    struct event *kg_ev;
    uint8_t kg_sid[4];

    /* the encrypted configuration's stub, while its .enc.sgn is fetched */
    uint8_t *stub;
    size_t stub_len;

    /* the files the configuration names */
    int file_i, file_signed;
    char refused[512]; /* those refused, one per line */
    size_t refused_len;

    /* DeviceTLInfo */
    char http_head[64];
    size_t http_head_len;

    /* https-check */
    const char *https_url;
    pt_ph_verdict *https_v;
    unsigned char *https_der; /* the application server's certificate */
    int https_der_len;
};

static void next(ph_boot *b);
static void conn_close(ph_boot *b);

static int fail(ph_boot *b, int code, const char *fmt, const char *a, const char *c)
{
    b->rc = pt_diag_set(&b->d, code, PT_NO_OFFSET, fmt, a, c);
    return b->rc;
}

/* ---- TFTP client ---- */

static void tftp_close(ph_boot *b)
{
    if (b->ev)
        event_free(b->ev);
    if (b->fd >= 0)
        close(b->fd);
    b->ev = NULL;
    b->fd = -1;
}

static void tftp_try(ph_boot *b);

static void tftp_end(ph_boot *b, int rc)
{
    tftp_close(b);
    if (rc == 0 && ++b->name_i < b->n_names) {
        tftp_try(b);
        return;
    }
    if (rc == 1 && pt_buf_error(&b->got))
        rc = b->rc = pt_diag_set(&b->d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    b->got_rc = rc;
    b->tftp_then(b);
}

static void tftp_send(ph_boot *b)
{
    const struct sockaddr_in *to = b->have_peer ? &b->peer : &b->tftp_srv;
    sendto(b->fd, b->last, b->last_len, 0, (const struct sockaddr *)to, sizeof *to);
}

static void tftp_ack(ph_boot *b, const uint8_t *blk)
{
    b->last_len = 4;
    b->last[0] = 0, b->last[1] = 4, b->last[2] = blk[0], b->last[3] = blk[1];
    tftp_send(b);
}

static void tftp_cb(evutil_socket_t fd, short what, void *arg)
{
    ph_boot *b = arg;
    const char *file = b->names[b->name_i];
    if (what & EV_TIMEOUT) {
        if (++b->tries > 4) {
            char where[80];
            snprintf(where, sizeof where, "%s:%d", b->o->tftp_host, b->o->tftp_port);
            fail(b, PT_ERR_IO, "TFTP %s %s: no answer", where, file);
            tftp_end(b, -1);
        } else {
            tftp_send(b);
        }
        return;
    }
    uint8_t pkt[1600];
    struct sockaddr_in from;
    socklen_t froml = sizeof from;
    ssize_t r = recvfrom(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&from, &froml);
    if (r < 4 || from.sin_addr.s_addr != b->tftp_srv.sin_addr.s_addr)
        return;
    if (b->have_peer && from.sin_port != b->peer.sin_port)
        return; /* another transfer's packet */
    if (!b->have_peer)
        b->peer = from, b->have_peer = 1;
    uint16_t op = (uint16_t)(pkt[0] << 8 | pkt[1]), blk = (uint16_t)(pkt[2] << 8 | pkt[3]);
    if (op == 5) { /* ERROR: 1 is "file not found" */
        if (blk == 1) {
            tftp_end(b, 0);
        } else {
            char msg[128];
            snprintf(msg, sizeof msg, "error %u: %.*s", blk, (int)(r - 4 > 100 ? 100 : r - 4), (const char *)pkt + 4);
            fail(b, PT_ERR_IO, "TFTP %s: %s", file, msg);
            tftp_end(b, -1);
        }
        return;
    }
    if (op == 6) { /* OACK: blksize */
        b->blksize = pt_wire_tftp_oack_blksize(pkt, (size_t)r);
        static const uint8_t zero[2] = {0, 0};
        tftp_ack(b, zero);
        b->tries = 0;
        return;
    }
    if (op != 3)
        return;
    if (blk == b->expect) {
        pt_buf_put(&b->got, pkt + 4, (size_t)r - 4);
        b->expect++;
        b->tries = 0;
    }
    tftp_ack(b, pkt + 2);
    if (blk == (uint16_t)(b->expect - 1) && (size_t)r - 4 < b->blksize)
        tftp_end(b, 1);
    else if (b->got.len > MAX_FILE)
        fail(b, PT_ERR_TOO_LARGE, "TFTP %s: larger than 1 MB%s", file, ""), tftp_end(b, -1);
}

static void tftp_try(ph_boot *b)
{
    const char *file = b->names[b->name_i];
    b->got.len = 0;
    b->have_peer = 0, b->tries = 0, b->blksize = 512, b->expect = 1;
    size_t fl = strlen(file);
    b->last_len = 0;
    b->last[b->last_len++] = 0, b->last[b->last_len++] = 1;
    memcpy(b->last + b->last_len, file, fl + 1), b->last_len += fl + 1;
    memcpy(b->last + b->last_len, "octet\0blksize\0" "1428", 19), b->last_len += 19;
    b->last[b->last_len++] = 0;
    struct timeval tv = {b->o->timeout_ms / 1000, (b->o->timeout_ms % 1000) * 1000};
    b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (b->fd < 0 || !(b->ev = event_new(b->loop->base, b->fd, EV_READ | EV_PERSIST, tftp_cb, b)) ||
        event_add(b->ev, &tv) != 0) {
        fail(b, PT_ERR_IO, "TFTP socket: %s%s", strerror(errno), "");
        tftp_end(b, -1);
        return;
    }
    tftp_send(b);
}

/* Fetches the first of the n names set in b->names, then `then`. */
static void tftp_fetch(ph_boot *b, int n, step_fn then)
{
    b->n_names = n, b->name_i = 0, b->tftp_then = then;
    tftp_try(b);
}

/* ---- TCP and TLS connections ---- */

static void conn_close(ph_boot *b)
{
    if (b->bev)
        bufferevent_free(b->bev); /* closes the socket and frees the SSL */
    b->bev = NULL;
    b->connected = 0;
    OPENSSL_free(b->peer_der);
    b->peer_der = NULL;
    b->peer_der_len = 0;
    ERR_clear_error();
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    ph_boot *b = arg;
    if (b->c_readable)
        b->c_readable(b);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    ph_boot *b = arg;
    if (what & BEV_EVENT_CONNECTED) {
        b->connected = 1;
        SSL *ssl = bufferevent_openssl_get_ssl(bev);
        if (ssl) {
            X509 *peer = SSL_get1_peer_certificate(ssl);
            b->peer_der_len = peer ? i2d_X509(peer, &b->peer_der) : -1;
            X509_free(peer);
            if (b->peer_der_len <= 0) {
                conn_close(b);
                b->c_up(b, -1);
                return;
            }
        }
        b->c_up(b, 1);
        return;
    }
    if (!b->connected) {
        int up = (what & BEV_EVENT_EOF) || bufferevent_get_openssl_error(bev) ? -1 : 0;
        conn_close(b);
        b->c_up(b, up);
        return;
    }
    b->c_closed(b); /* EOF, error or timeout once up: the reader decides */
}

static void conn_open(ph_boot *b, const struct sockaddr_in *sa, int tls, void (*up)(ph_boot *, int), step_fn readable,
                      step_fn closed)
{
    b->c_up = up, b->c_readable = readable, b->c_closed = closed;
    b->connected = 0;
    SSL *ssl = tls ? SSL_new(b->loop->tls) : NULL;
    if (tls && ssl)
        b->bev = bufferevent_openssl_socket_new(b->loop->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    else if (!tls)
        b->bev = bufferevent_socket_new(b->loop->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!b->bev) {
        SSL_free(ssl);
        up(b, 0);
        return;
    }
    if (tls)
        bufferevent_openssl_set_allow_dirty_shutdown(b->bev, 1);
    struct timeval tv = {b->o->timeout_ms / 1000, (b->o->timeout_ms % 1000) * 1000};
    bufferevent_set_timeouts(b->bev, &tv, &tv);
    bufferevent_setcb(b->bev, conn_read_cb, NULL, conn_event_cb, b);
    bufferevent_enable(b->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(b->bev, (const struct sockaddr *)sa, sizeof *sa) != 0) {
        conn_close(b);
        up(b, 0);
    }
}

/* ---- TVS (§5): asked only when the engine needs an answer nobody gave ---- */

static void sha256_hex(const uint8_t *der, size_t len, char out[65])
{
    uint8_t h[32];
    size_t hl;
    pt_digest(PT_HASH_SHA256, der, len, h, &hl);
    pt_hex(h, 32, out);
}

static void add_answer(ph_boot *b, const char *hash, int valid, uint32_t roles)
{
    if (b->n_ans >= MAX_ANSWERS)
        return;
    tvs_answer *a = &b->ans[b->n_ans++];
    snprintf(a->hash, sizeof a->hash, "%s", hash);
    a->valid = valid, a->roles = roles;
}

/* engine.h's callback: answers of this boot, the cache, else "ask later". */
static int ask_deferred(void *arg, const uint8_t *der, size_t len, uint32_t *roles)
{
    ph_boot *b = arg;
    char hash[65];
    sha256_hex(der, len, hash);
    *roles = 0;
    for (int i = 0; i < b->n_ans; i++)
        if (!strcmp(b->ans[i].hash, hash)) {
            *roles = b->ans[i].roles;
            return b->ans[i].valid;
        }
    if (ph_cache_read(&b->ph, hash, roles)) {
        CONSOLE(&b->ph, "TVS cache: certificate %.16s... Valid", hash);
        add_answer(b, hash, 1, *roles);
        return 1;
    }
    if (!b->ask_der && b->n_ans < MAX_ANSWERS && (b->ask_der = malloc(len ? len : 1))) {
        memcpy(b->ask_der, der, len);
        b->ask_len = len;
        snprintf(b->ask_hash, sizeof b->ask_hash, "%s", hash);
    }
    return 0;
}

static void tvs_answered(ph_boot *b, int valid, uint32_t roles)
{
    add_answer(b, b->ask_hash, valid, roles);
    free(b->ask_der);
    b->ask_der = NULL;
    b->tvs_then(b);
}

static void tvs_try(ph_boot *b);

static void tvs_next_server(ph_boot *b)
{
    conn_close(b);
    b->tvs_i++;
    tvs_try(b);
}

static void tvs_readable(ph_boot *b)
{
    struct evbuffer *in = bufferevent_get_input(b->bev);
    size_t have = evbuffer_get_length(in);
    uint8_t h[10];
    if (have < 10 || evbuffer_copyout(in, h, 10) != 10)
        return;
    size_t blen = (size_t)h[8] << 8 | h[9];
    if (have < 10 + blen)
        return;
    uint8_t *rsp = evbuffer_pullup(in, (ev_ssize_t)(10 + blen));
    pt_tvs_answer a;
    if (pt_wire_tvs_answer(rsp, 10 + blen, &a)) {
        CONSOLE_ERR(&b->ph, "TVS %s:%d: no valid answer", b->c_host, b->c_port);
        tvs_next_server(b);
        return;
    }
    CONSOLE(&b->ph, "SECD: clpTvsInit: Client message received on TVS proxy socket");
    CONSOLE(&b->ph, "SECD: processTvsClntReq: Success reading the client TVS request, len : %zu", 10 + blen);
    int status = a.status;
    uint32_t roles = a.roles, ttl = a.ttl;
    int valid = status == 0;
    CONSOLE(&b->ph, "TVS %s:%d: certificate %s", b->c_host, b->c_port, valid ? "Valid" : "Invalid");
    conn_close(b);
    if (valid && ttl)
        ph_cache_store(&b->ph, b->ask_hash, roles, ttl);
    tvs_answered(b, valid, valid ? roles : 0);
}

static void tvs_closed(ph_boot *b)
{
    CONSOLE_ERR(&b->ph, "TVS %s:%d: no valid answer", b->c_host, b->c_port);
    tvs_next_server(b);
}

static void tvs_up(ph_boot *b, int up)
{
    if (up <= 0) {
        CONSOLE_ERR(&b->ph, "TVS %s:%d: %s", b->c_host, b->c_port, up ? "TLS handshake failed" : "cannot connect");
        tvs_next_server(b);
        return;
    }
    pt_ph_lists l = ph_have(&b->ph);
    if (!pt_ph_server_trusted(&l, b->peer_der, (size_t)b->peer_der_len, PT_ROLE_TVS)) {
        CONSOLE_ERR(&b->ph, "TVS %s:%d: the server's certificate is not a TVS record of the ITL", b->c_host, b->c_port);
        tvs_next_server(b);
        return;
    }
    pt_buf req;
    pt_buf_init(&req);
    char dev[48];
    snprintf(dev, sizeof dev, "CP-%s-%s", b->ph.model.name, b->ph.name);
    size_t dl = strlen(dev), len = b->ask_len;
    pt_buf_put_u8(&req, PT_TVS_PROTOCOL_ID);
    pt_buf_put_u8(&req, PT_TVS_VERSION);
    pt_buf_put_u8(&req, 1); /* VERIFY_REQUEST */
    pt_buf_put_u8(&req, 0);
    pt_buf_put_u32(&req, (uint32_t)getpid());
    pt_buf_put_u16(&req, (uint16_t)(3 + 1 + dl + 3 + len));
    pt_buf_put_u8(&req, 1);
    pt_buf_put_u16(&req, (uint16_t)(1 + dl));
    pt_buf_put_u8(&req, 1);
    pt_buf_put(&req, dev, dl);
    pt_buf_put_tlv(&req, 2, b->ask_der, len);
    /* the console lines of seed 002 around a TVS query */
    CONSOLE(&b->ph, "SECD: setupSocketToTvsProxy: Connected to TVS proxy server");
    int ok = !pt_buf_error(&req) && len < 60000 && bufferevent_write(b->bev, req.data, req.len) == 0;
    if (ok)
        CONSOLE(&b->ph, "SECD: tvsReqFlushTvsCertCache: Sent Request to TVS proxy, len: %zu", req.len);
    pt_buf_free(&req);
    if (!ok)
        tvs_closed(b);
}

static void tvs_try(ph_boot *b)
{
    while (b->tvs_i < b->tvs_n) {
        snprintf(b->c_host, sizeof b->c_host, "%s", b->tvs_addr[b->tvs_i]);
        b->c_port = b->tvs_port[b->tvs_i];
        struct sockaddr_in sa;
        if (ph_resolve(b->c_host, b->c_port, &sa)) {
            conn_open(b, &sa, 1, tvs_up, tvs_readable, tvs_closed);
            return;
        }
        CONSOLE_ERR(&b->ph, "TVS %s:%d: cannot resolve the host name", b->c_host, b->c_port);
        b->tvs_i++;
    }
    tvs_answered(b, 0, 0); /* none vouches, or none can be reached */
}

/* Asks the TVS servers of the config in force, in order, about b->ask_der. */
static void tvs_lookup(ph_boot *b, step_fn then)
{
    b->tvs_then = then;
    b->tvs_i = 0;
    b->tvs_n = ph_tvs_servers(&b->ph, b->tvs_addr, b->tvs_port, MAX_TVS);
    if (!b->tvs_n)
        CONSOLE_ERR(&b->ph, "TVS: no TVS server in the config in force");
    tvs_try(b);
}

static pt_ph_tvs deferred_tvs(ph_boot *b)
{
    free(b->ask_der);
    b->ask_der = NULL;
    pt_ph_tvs t = {ask_deferred, b};
    return t;
}

/* ---- stages 1 and 2: the trust lists ---- */

static void list_check(ph_boot *b)
{
    phone *ph = &b->ph;
    pt_ph_lists l = ph_have(ph);
    pt_ph_tvs tvs = deferred_tvs(b);
    pt_ph_verdict v;
    if (b->is_ctl)
        pt_ph_check_ctl(&l, b->got.data, b->got.len, &tvs, &v);
    else
        pt_ph_check_itl(&l, b->got.data, b->got.len, &tvs, &v);
    if (b->ask_der) {
        tvs_lookup(b, list_check);
        return;
    }
    const char *installed = b->names[1], *which = b->names[b->name_i];
    if (v.accept && v.how != PT_PH_UNCHANGED) {
        if ((b->rc = ph_save(ph, installed, b->got.data, b->got.len, 0644, &b->d))) {
            next(b);
            return;
        }
        uint8_t **slot = b->is_ctl ? &ph->ctl : &ph->itl;
        size_t *slot_len = b->is_ctl ? &ph->ctl_len : &ph->itl_len;
        free(*slot);
        *slot = pt_buf_take(&b->got, slot_len);
        CONSOLE(ph, "%s (%s) installed: %s", installed, which, pt_ph_how_name(v.how));
        if (v.how == PT_PH_BY_TVS) { /* a list TVS vouched for: its answers are flushed (seed 002) */
            ph_drop(ph->dir, "tvs-cache");
            CONSOLE(ph, "SECD: processTvsClntReq: TVS Certificate cache flush request received");
            CONSOLE(ph, "SECD: tvsFlushCertCache: Completed TVS Certificate cache flush request");
        }
        if (b->is_ctl)
            b->res.ctl_changed = 1;
        else
            b->res.itl_changed = 1;
    } else if (!v.accept) {
        STATUS(ph, "Trust List Update Failed");
        CONSOLE_ERR(ph, "%s (%s) refused: %s", installed, which, v.reason);
        b->res.locked = 1; /* keeps lists its TFTP server no longer offers */
    }
    next(b);
}

static void list_fetched(ph_boot *b)
{
    if (b->got_rc < 0) {
        next(b);
        return;
    }
    if (b->got_rc == 0) {
        CONSOLE(&b->ph, "%s: none served; keeping %s", b->names[1],
                (b->is_ctl ? b->ph.ctl : b->ph.itl) ? "the installed one" : "none");
        next(b);
        return;
    }
    list_check(b);
}

static void stage_list(ph_boot *b, int is_ctl)
{
    b->is_ctl = is_ctl;
    snprintf(b->names[0], sizeof b->names[0], "%s%s.tlv", is_ctl ? "CTL" : "ITL", b->ph.name);
    snprintf(b->names[1], sizeof b->names[1], "%s", is_ctl ? "CTLFile.tlv" : "ITLFile.tlv");
    tftp_fetch(b, 2, list_fetched);
}

/* ---- stage 3: the configuration file (signed, encrypted or plain) ---- */

/* payload becomes the config in force (which: the file it came from). */
static void config_in_force(ph_boot *b, const char *which, const uint8_t *payload, size_t plen)
{
    phone *ph = &b->ph;
    if (ph->config && ph->config_len == plen && !memcmp(ph->config, payload, plen)) {
        next(b);
        return;
    }
    uint8_t *copy = malloc(plen ? plen : 1);
    b->rc = copy ? ph_save(ph, "config.xml", payload, plen, 0644, &b->d)
                 : pt_diag_set(&b->d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    if (b->rc) {
        free(copy);
        next(b);
        return;
    }
    memcpy(copy, payload, plen);
    free(ph->config);
    ph->config = copy;
    ph->config_len = plen;
    b->res.config_changed = 1;
    CONSOLE(ph, "%s accepted and in force", which);
    next(b);
}

/* A signed file's verdict: 1 accepted (payload set for a .sgn), 0 refused (logged). */
static int config_verified(ph_boot *b, const char *which, const uint8_t **payload, size_t *plen)
{
    phone *ph = &b->ph;
    char plain[40], l1[200], l2[200];
    snprintf(plain, sizeof plain, "%s.cnf.xml", ph->name);
    pt_ph_lists l = ph_have(ph);
    pt_ph_verdict v;
    pt_ph_check_config(&l, plain, b->got.data, b->got.len, &v, l1, l2);
    pt_header h;
    if (v.accept && (!payload || pt_sgn_payload(b->got.data, b->got.len, &h, payload, plen, NULL) == PT_OK)) {
        if (payload)
            pt_header_free(&h);
        return 1;
    }
    if (l1[0]) {
        CONSOLE_ERR(ph, "%s", l1);
        CONSOLE_ERR(ph, "%s", l2);
    } else {
        CONSOLE_ERR(ph, "%s: %s", which, v.reason);
    }
    b->res.config_refused = 1;
    return 0;
}

/* The phone's keys that can decrypt (LSC first, then MIC); with a
 * certHash (lowercase MD5 hex of the certificate's DER) only that one. */
static EVP_PKEY *config_key(ph_boot *b, const char *cert_hash, const char **which)
{
    static const char *const files[] = {"lsc.pem", "mic.pem"};
    for (int i = 0; i < 2; i++) {
        EVP_PKEY *key = NULL;
        X509 *cert = NULL;
        if (ph_load_pem(b->ph.dir, files[i], &key, &cert) != PT_OK)
            continue;
        unsigned char *der = NULL, md[16];
        unsigned int ml = 0;
        int dl = i2d_X509(cert, &der);
        char hex[33] = "";
        if (dl > 0 && EVP_Digest(der, (size_t)dl, md, &ml, EVP_md5(), NULL))
            pt_hex(md, 16, hex);
        OPENSSL_free(der);
        X509_free(cert);
        if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && (!cert_hash || !strcasecmp(hex, cert_hash))) {
            *which = i ? "MIC" : "LSC";
            return key;
        }
        EVP_PKEY_free(key);
    }
    return NULL;
}

static void config_fetched(ph_boot *b);

/* The encrypted config cannot be read: its stub stays in force (its CAPF
 * settings let the phone enrol an LSC). */
static void stub_in_force(ph_boot *b)
{
    snprintf(b->names[0], sizeof b->names[0], "%s.cnf.xml.sgn", b->ph.name);
    config_in_force(b, b->names[0], b->stub, b->stub_len);
}

/* SEP<MAC>.cnf.xml.enc.sgn: verified, then decrypted with the key of its
 * stub's certHash (or any key the phone holds). */
static void encrypted_fetched(ph_boot *b)
{
    phone *ph = &b->ph;
    const char *which = b->names[b->name_i];
    if (b->got_rc <= 0) {
        if (b->got_rc == 0)
            CONSOLE(ph, "%s: not served", which);
        if (b->got_rc == 0 && b->stub) {
            stub_in_force(b);
            return;
        }
        next(b);
        return;
    }
    if (!config_verified(b, which, NULL, NULL)) {
        next(b);
        return;
    }
    char hash[40] = "";
    if (b->stub) { /* its certHash names the key */
        phone stub = {.config = b->stub, .config_len = b->stub_len};
        ph_config_value(&stub, NULL, "certHash", hash, sizeof hash);
    }
    const char *key_name = NULL;
    EVP_PKEY *key = config_key(b, hash[0] ? hash : NULL, &key_name);
    pt_buf plain;
    pt_buf_init(&plain);
    plain.secret = 1;
    pt_diag d;
    int ok = 0;
    if (!key)
        CONSOLE_ERR(ph, "%s: no private key of this phone can decrypt it%s%s%s", which, hash[0] ? " (certHash " : "",
                hash, hash[0] ? ")" : "");
    else if (pt_enc_decrypt(b->got.data, b->got.len, key, NULL, &plain, &d) != PT_OK)
        CONSOLE_ERR(ph, "%s: cannot decrypt it with the %s: %s", which, key_name, d.msg);
    else
        ok = 1;
    if (!ok && b->stub) {
        stub_in_force(b);
    } else if (!ok) { /* asked for it first: now the stub, which names the key */
        ph_drop(ph->dir, "config-encrypted");
        snprintf(b->names[0], sizeof b->names[0], "%s.cnf.xml.sgn", ph->name);
        tftp_fetch(b, 1, config_fetched);
    } else {
        CONSOLE(ph, "%s decrypted with the %s", which, key_name);
        ph_save(ph, "config-encrypted", "", 0, 0644, NULL); /* ask for the .enc.sgn first next time */
        config_in_force(b, which, plain.data, plain.len);
    }
    EVP_PKEY_free(key);
    pt_buf_free(&plain);
}

static void config_fetched(ph_boot *b)
{
    phone *ph = &b->ph;
    char plain[40];
    snprintf(plain, sizeof plain, "%s.cnf.xml", ph->name);
    if (b->got_rc <= 0) {
        if (b->got_rc == 0)
            CONSOLE(ph, "%s: no configuration file served", plain);
        next(b);
        return;
    }
    const char *which = b->names[b->name_i];
    if (strstr(which, ".enc.sgn")) {
        encrypted_fetched(b);
        return;
    }
    pt_ph_lists l = ph_have(ph);
    int no_lists = !l.ctl && (!l.itl || pt_ph_is_rollback_itl(l.itl, l.itl_len));
    const uint8_t *payload = b->got.data;
    size_t plen = b->got.len;
    if (strcmp(which, plain)) { /* signed */
        if (!config_verified(b, which, &payload, &plen)) {
            next(b);
            return;
        }
        phone signed_cfg = {.config = (uint8_t *)payload, .config_len = plen};
        char encr[8];
        ph_config_value(&signed_cfg, NULL, "encrConfig", encr, sizeof encr);
        if (!strcmp(encr, "true")) {
            /* the stub (§4.5): it stays in force (its CAPF settings let the
             * phone enrol an LSC) until the encrypted file can be read */
            CONSOLE(ph, "%s: encrypted configuration (stub)", which);
            free(b->stub);
            if ((b->stub = malloc(plen ? plen : 1))) {
                memcpy(b->stub, payload, plen);
                b->stub_len = plen;
            }
            snprintf(b->names[0], sizeof b->names[0], "%s.cnf.xml.enc.sgn", ph->name);
            tftp_fetch(b, 1, encrypted_fetched);
            return;
        }
        ph_drop(ph->dir, "config-encrypted");
    } else if (!no_lists) {
        CONSOLE_ERR(ph, "%s: unsigned, and this phone holds trust lists: refused", plain);
        b->res.config_refused = 1;
        next(b);
        return;
    }
    config_in_force(b, which, payload, plen);
}

static void stage_config(ph_boot *b)
{
    phone *ph = &b->ph;
    /* a phone without lists of its own takes the unsigned file only; one
     * whose last config was encrypted asks for the encrypted file first */
    int plain_only = !ph->model.sbd && !ph->ctl, n = 0;
    if (!plain_only && ph_has(ph->dir, "config-encrypted"))
        snprintf(b->names[n++], sizeof b->names[0], "%s.cnf.xml.enc.sgn", ph->name);
    if (!plain_only)
        snprintf(b->names[n++], sizeof b->names[0], "%s.cnf.xml.sgn", ph->name);
    snprintf(b->names[n++], sizeof b->names[0], "%s.cnf.xml", ph->name);
    tftp_fetch(b, n, config_fetched);
}

/* ---- stage 3b: the files the configuration names (§8) ---- */

/* The configuration's elements naming files a phone fetches at boot: dial
 * rules, soft keys, feature policy, ring list; networkLocale names a
 * directory (its tones file). */
static const char *const file_tags[] = {"dialTemplate", "softKeyFile", "featurePolicyFile", "ringList",
                                        "networkLocale"};
#define N_FILE_TAGS (sizeof file_tags / sizeof file_tags[0])

static int file_named(ph_boot *b, size_t i, char *out, size_t n)
{
    char v[96];
    ph_config_value(&b->ph, NULL, file_tags[i], v, sizeof v);
    if (!v[0] || v[0] == '/' || strstr(v, ".."))
        return 0;
    if (!strcmp(file_tags[i], "networkLocale"))
        snprintf(out, n, "%s/g3-tones.xml%s", v, b->file_signed ? ".sgn" : "");
    else
        snprintf(out, n, "%s%s", v, b->file_signed ? ".sgn" : "");
    return 1;
}

static void files_next(ph_boot *b);

static void file_fetched(ph_boot *b)
{
    phone *ph = &b->ph;
    const char *which = b->names[0];
    if (b->got_rc < 0) {
        next(b);
        return;
    }
    if (b->got_rc == 0) {
        CONSOLE(ph, "%s: not served", which);
    } else if (b->file_signed) {
        pt_ph_lists l = ph_have(ph);
        pt_ph_verdict v;
        char l1[200], l2[200];
        pt_ph_check_config(&l, which, b->got.data, b->got.len, &v, l1, l2);
        if (!v.accept) {
            if (l1[0]) {
                CONSOLE_ERR(ph, "%s", l1);
                CONSOLE_ERR(ph, "%s", l2);
            } else {
                CONSOLE_ERR(ph, "%s: %s", which, v.reason);
            }
            int w = snprintf(b->refused + b->refused_len, sizeof b->refused - b->refused_len, "%s\n", which);
            if (w > 0 && (size_t)w < sizeof b->refused - b->refused_len)
                b->refused_len += (size_t)w;
            b->res.files_refused++;
        }
    }
    b->file_i++;
    files_next(b);
}

static void files_next(ph_boot *b)
{
    for (; (size_t)b->file_i < N_FILE_TAGS; b->file_i++) {
        if (file_named(b, (size_t)b->file_i, b->names[0], sizeof b->names[0])) {
            tftp_fetch(b, 1, file_fetched);
            return;
        }
    }
    /* what this boot could not verify, for `phone show` and the fleet */
    if (b->refused_len)
        ph_save(&b->ph, "files-refused", b->refused, b->refused_len, 0644, NULL);
    else
        ph_drop(b->ph.dir, "files-refused");
    next(b);
}

static void stage_files(ph_boot *b)
{
    pt_ph_lists l = ph_have(&b->ph);
    b->file_signed = l.ctl || (l.itl && !pt_ph_is_rollback_itl(l.itl, l.itl_len));
    b->file_i = 0;
    b->refused_len = 0;
    files_next(b);
}

/* ---- stage 4: CAPF (§6), when the config asks for an operation ---- */

static void put_wrapped(pt_buf *e, const uint8_t *der, size_t n)
{
    pt_buf_put_u8(e, 4);
    pt_buf_put_u16(e, (uint16_t)(n + 5));
    pt_buf_put_u8(e, 1);
    pt_buf_put_u16(e, (uint16_t)(n + 2));
    pt_buf_put_u8(e, 0);
    pt_buf_put_u8(e, 1);
    pt_buf_put(e, der, n);
}

/* §6.8.3: RSA signs the bare digest with PKCS#1 type-1 padding (no
 * DigestInfo); EC signs the data with ECDSA.  SHA-1 or SHA-512. */
static int capf_sign(EVP_PKEY *key, const uint8_t *data, size_t n, int sha512, pt_buf *out)
{
    unsigned char sig[1024];
    size_t sl = sizeof sig;
    int ok = 0;
    const EVP_MD *md = sha512 ? EVP_sha512() : EVP_sha1();
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        unsigned char dg[64];
        unsigned int dl = 0;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        ok = EVP_Digest(data, n, dg, &dl, md, NULL) && ctx && EVP_PKEY_sign_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 && EVP_PKEY_sign(ctx, sig, &sl, dg, dl) > 0;
        EVP_PKEY_CTX_free(ctx);
    } else {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        ok = m && EVP_DigestSignInit(m, NULL, md, NULL, key) > 0 && EVP_DigestSign(m, sig, &sl, data, n) > 0;
        EVP_MD_CTX_free(m);
    }
    if (ok)
        pt_buf_put(out, sig, sl);
    return ok;
}

/* AUTH_RESPONSE elements: the string, the device, and by existing
 * certificate (§6.8.3) that certificate with its two signatures. */
static int capf_auth(ph_boot *b, pt_buf *e)
{
    const char *name = b->ph.name;
    pt_buf_put_tlv_u8(e, 1, 1);
    pt_buf_put_tlv_u8(e, 7, 3);
    pt_buf_put_tlv(e, 11, b->capf_password, strlen(b->capf_password) + 1);
    pt_buf_put_tlv(e, 13, name, strlen(name) + 1);
    if (!b->auth_key || !b->auth_cert)
        return 1;
    unsigned char *der = NULL;
    int dl = i2d_X509(b->auth_cert, &der);
    pt_buf data, s1, s2;
    pt_buf_init(&data);
    pt_buf_init(&s1);
    pt_buf_init(&s2);
    pt_buf_put(&data, name, strlen(name));
    pt_buf_put_u8(&data, 0);
    if (dl > 0)
        pt_buf_put(&data, der, (size_t)dl);
    int ok = dl > 0 && capf_sign(b->auth_key, data.data, data.len, 0, &s1) &&
             capf_sign(b->auth_key, data.data, data.len, 1, &s2);
    if (ok) {
        put_wrapped(e, der, (size_t)dl);
        pt_buf_put_tlv(e, 6, s1.data, s1.len);
        pt_buf_put_u8(e, 20);
        pt_buf_put_u16(e, (uint16_t)(3 + s2.len));
        pt_buf_put_u8(e, 3);
        pt_buf_put_u16(e, (uint16_t)s2.len);
        pt_buf_put(e, s2.data, s2.len);
    }
    OPENSSL_free(der);
    pt_buf_free(&data);
    pt_buf_free(&s1);
    pt_buf_free(&s2);
    return ok;
}

/* KEY_GENERATE_RESPONSE elements for the key in b->lsc_key (or a failure). */
static void keygen_reply(ph_boot *b, pt_buf *e)
{
    unsigned char *spki = NULL;
    int sl = b->lsc_key ? i2d_PUBKEY(b->lsc_key, &spki) : -1;
    if (sl > 0)
        pt_buf_put_tlv(e, 9, spki, (size_t)sl);
    else
        pt_buf_put_tlv_u8(e, 1, 7);
    OPENSSL_free(spki);
}

static void capf_send(ph_boot *b, uint8_t cmd, const uint8_t sid[4], const pt_buf *e, int *ok)
{
    pt_buf m;
    pt_buf_init(&m);
    pt_buf_put_u8(&m, 85);
    pt_buf_put_u8(&m, cmd);
    pt_buf_put(&m, sid, 4);
    pt_buf_put_u16(&m, (uint16_t)e->len);
    pt_buf_put(&m, e->data, e->len);
    *ok = !pt_buf_error(&m) && bufferevent_write(b->bev, m.data, m.len) == 0; /* one write (§6.1) */
    pt_buf_free(&m);
}

static void *keygen_thread(void *arg)
{
    ph_boot *b = arg;
    pt_diag d;
    if (pt_key_generate(PT_KEY_RSA, b->kg_bits, NULL, &b->lsc_key, &d) != PT_OK)
        b->lsc_key = NULL;
    ssize_t w = write(b->kg_pipe[1], "k", 1);
    (void)w;
    return NULL;
}

static void keygen_join(ph_boot *b)
{
    if (!b->kg_running)
        return;
    pthread_join(b->kg_thread, NULL);
    b->kg_running = 0;
    if (b->kg_ev)
        event_free(b->kg_ev);
    close(b->kg_pipe[0]);
    close(b->kg_pipe[1]);
    b->kg_ev = NULL;
}

static void capf_readable(ph_boot *b);
static void capf_end(ph_boot *b);

static void keygen_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    ph_boot *b = arg;
    keygen_join(b);
    pt_buf e;
    pt_buf_init(&e);
    keygen_reply(b, &e);
    int ok;
    capf_send(b, 4, b->kg_sid, &e, &ok);
    pt_buf_free(&e);
    if (!ok) {
        capf_end(b);
        return;
    }
    bufferevent_enable(b->bev, EV_READ); /* and what CAPF sent meanwhile */
    capf_readable(b);
}

/* 1 when the reply is ready in e; 0 when an RSA key is being generated on
 * a thread (keygen_done replies). */
static int capf_keygen(ph_boot *b, const uint8_t *body, size_t len, const uint8_t sid[4], pt_buf *e)
{
    uint16_t n, kn, cn;
    const uint8_t *kt = pt_wire_capf_element(body, len, 17, &n), *ks = pt_wire_capf_element(body, len, 10, &kn),
                  *cv = pt_wire_capf_element(body, len, 18, &cn);
    static const char *const curves[] = {"P-256", "P-384", "P-521"};
    int ec = kt && n == 1 && kt[0] == 1;
    int bits = ks && kn == 2 ? (ks[0] << 8 | ks[1]) : 2048;
    EVP_PKEY_free(b->lsc_key);
    b->lsc_key = NULL;
    CONSOLE(&b->ph, "CAPF: generating an %s key", ec ? "EC" : "RSA");
    if (!ec) {
        b->kg_bits = bits;
        memcpy(b->kg_sid, sid, 4);
        if (pipe(b->kg_pipe) == 0) {
            if ((b->kg_ev = event_new(b->loop->base, b->kg_pipe[0], EV_READ, keygen_done, b)) &&
                event_add(b->kg_ev, NULL) == 0 && pthread_create(&b->kg_thread, NULL, keygen_thread, b) == 0) {
                b->kg_running = 1;
                bufferevent_disable(b->bev, EV_READ); /* no read timeout while the key is made */
                return 0;
            }
            if (b->kg_ev)
                event_free(b->kg_ev);
            b->kg_ev = NULL;
            close(b->kg_pipe[0]);
            close(b->kg_pipe[1]);
        }
    }
    pt_diag d;
    if (pt_key_generate(ec ? PT_KEY_EC : PT_KEY_RSA, bits, ec && cv && cn == 1 && cv[0] < 3 ? curves[cv[0]] : "P-256",
                        &b->lsc_key, &d) != PT_OK)
        b->lsc_key = NULL;
    keygen_reply(b, e);
    return 1;
}

static void capf_store(ph_boot *b, const uint8_t *body, size_t len, pt_buf *e)
{
    uint16_t n;
    const uint8_t *v = pt_wire_capf_element(body, len, 4, &n);
    X509 *lsc = v && n > 5 ? pt_cert_from_der(v + 5, n - 5u) : NULL;
    pt_buf pem;
    pt_buf_init(&pem);
    pem.secret = 1;
    int stored = lsc && b->lsc_key && X509_check_private_key(lsc, b->lsc_key) == 1 &&
                 pt_pem_write(&pem, b->lsc_key, lsc) == PT_OK &&
                 ph_save(&b->ph, "lsc.pem", pem.data, pem.len, 0600, NULL) == PT_OK; /* key + LSC */
    if (stored)
        b->res.lsc_installed = 1;
    pt_buf_free(&pem);
    X509_free(lsc);
    pt_buf_put_tlv_u8(e, 1, stored ? 1 : 7);
}

static void capf_fetch_or_delete(ph_boot *b, int del, pt_buf *e)
{
    uint8_t *pem = NULL;
    size_t pl = 0;
    ph_read_opt(b->ph.dir, "lsc.pem", &pem, &pl);
    X509 *lsc = NULL;
    if (pem) {
        BIO *bio = BIO_new_mem_buf(pem, (int)pl);
        lsc = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        OPENSSL_cleanse(pem, pl);
        free(pem);
    }
    pt_buf_put_tlv_u8(e, 1, lsc ? 1 : 7);
    if (lsc && !del) {
        unsigned char *der = NULL;
        int dl = i2d_X509(lsc, &der);
        if (dl > 0)
            put_wrapped(e, der, (size_t)dl);
        OPENSSL_free(der);
    }
    if (lsc && del) {
        ph_drop(b->ph.dir, "lsc.pem");
        b->res.lsc_deleted = 1;
    }
    X509_free(lsc);
}

static void capf_end(ph_boot *b)
{
    phone *ph = &b->ph;
    keygen_join(b);
    conn_close(b);
    CONSOLE(ph, "CAPF %s:%d: %s operation ended, reason %d", b->c_host, b->c_port, b->capf_op, b->capf_reason);
    if (b->capf_reason == 1 || b->capf_reason == 0) {
        b->res.lsc_pending = 0;
        if (b->res.lsc_installed)
            STATUS(ph, "LSC: Installed");
    } else {
        STATUS(ph, "LSC: Failed");
        b->res.lsc_failed = 1;
    }
    next(b);
}

/* One message from CAPF: 85, command, session id (4), length (2), elements. */
static void capf_readable(ph_boot *b)
{
    struct evbuffer *in = bufferevent_get_input(b->bev);
    for (;;) {
        uint8_t h[8];
        size_t have = evbuffer_get_length(in);
        if (have < 8 || evbuffer_copyout(in, h, 8) != 8)
            return;
        size_t len = (size_t)h[6] << 8 | h[7];
        if (h[0] != 85) {
            capf_end(b);
            return;
        }
        if (have < 8 + len)
            return;
        uint8_t cmd = h[1];
        uint8_t *msg = evbuffer_pullup(in, (ev_ssize_t)(8 + len)), *body = msg + 8;
        pt_buf e;
        pt_buf_init(&e);
        int reply = 1;
        if (cmd == 1) { /* AUTH_REQUEST */
            reply = capf_auth(b, &e);
        } else if (cmd == 3) { /* KEY_GENERATE_REQUEST */
            if (!capf_keygen(b, body, len, h + 2, &e)) {
                pt_buf_free(&e);
                evbuffer_drain(in, 8 + len);
                return; /* keygen_done replies and reads on */
            }
        } else if (cmd == 9) { /* STORE_CERTIFICATE_REQUEST: the new LSC */
            capf_store(b, body, len, &e);
        } else if (cmd == 11 || cmd == 13) { /* FETCH / DELETE */
            capf_fetch_or_delete(b, cmd == 13, &e);
        } else { /* END_SESSION, or a message the phone does not know */
            uint16_t n;
            const uint8_t *v = cmd == 15 ? pt_wire_capf_element(body, len, 1, &n) : NULL;
            b->capf_reason = v && n == 1 ? v[0] : cmd == 15 ? 7 : -1;
            reply = 0;
        }
        if (reply)
            capf_send(b, (uint8_t)(cmd + 1), h + 2, &e, &reply);
        pt_buf_free(&e);
        evbuffer_drain(in, 8 + len);
        if (!reply) {
            capf_end(b);
            return;
        }
    }
}

static void capf_up(ph_boot *b, int up)
{
    pt_ph_lists l = ph_have(&b->ph);
    if (up <= 0 || !pt_ph_server_trusted(&l, b->peer_der, (size_t)b->peer_der_len, PT_ROLE_CAPF)) {
        STATUS(&b->ph, "LSC: Connection Failed");
        b->res.lsc_unreachable = 1;
        CONSOLE_ERR(&b->ph, "CAPF %s:%d: %s", b->c_host, b->c_port,
                up > 0 ? "the server's certificate is not the CAPF record of the ITL" : "cannot connect");
        conn_close(b);
        next(b);
    } /* else CAPF speaks first (AUTH_REQUEST) */
}

static void stage_capf(ph_boot *b)
{
    phone *ph = &b->ph;
    char mode[8], port[8];
    /* the phone goes to CAPF when its configuration gives an authentication
     * mode (§6.8: 1-4) - what is to be done is CAPF's to say; an encrypted
     * configuration's stub carries only capfAuthMode and capfList */
    ph_config_value(ph, NULL, "capfAuthMode", mode, sizeof mode);
    if (!mode[0] || !strcmp(mode, "0")) {
        next(b);
        return;
    }
    ph_config_value(ph, NULL, "certificateOperation", b->capf_op, sizeof b->capf_op);
    if (!b->capf_op[0] || !strcmp(b->capf_op, "none"))
        snprintf(b->capf_op, sizeof b->capf_op, "scheduled");
    ph_config_value(ph, "<capfList>", "processNodeName", b->c_host, sizeof b->c_host);
    ph_config_value(ph, "<capfList>", "phonePort", port, sizeof port);
    b->c_port = atoi(port);
    pt_ph_lists l = ph_have(ph);
    int capf_listed = 0;
    for (int i = 0; i < 2 && !capf_listed; i++) {
        const uint8_t *list = i ? l.ctl : l.itl;
        size_t ll = i ? l.ctl_len : l.itl_len;
        pt_trustlist tl;
        if (list && pt_tl_parse(list, ll, &tl, NULL) == PT_OK) {
            for (size_t k = 0; k < tl.n_recs; k++)
                capf_listed |= tl.recs[k].role == PT_ROLE_CAPF;
            pt_tl_free(&tl);
        }
    }
    b->res.lsc_pending = 1;
    if (!capf_listed) {
        STATUS(ph, "No valid CAPF server");
        next(b);
        return;
    }
    /* 3: existing certificate, precedence to the LSC (a MIC-only phone cannot
     * meet it: seed 004); 4: precedence to the MIC */
    if (!strcmp(mode, "3") || !strcmp(mode, "4")) {
        const char *which = !strcmp(mode, "3") ? "lsc.pem" : "mic.pem";
        if (ph_load_pem(ph->dir, which, &b->auth_key, &b->auth_cert) != PT_OK) {
            CONSOLE_ERR(ph, "CAPF: authentication by existing certificate needs %s, which this phone does not hold",
                    !strcmp(mode, "3") ? "an LSC" : "a MIC");
            STATUS(ph, "Certificate Operation Status: Operation Pending");
            next(b);
            return;
        }
    } else if (strcmp(mode, "1") && strcmp(mode, "2")) {
        CONSOLE_ERR(ph, "CAPF: unknown authentication mode %s", mode);
        STATUS(ph, "Certificate Operation Status: Operation Pending");
        next(b);
        return;
    }
    if (!strcmp(mode, "1") && !b->o->auth_string) {
        STATUS(ph, "Certificate Operation Status: Operation Pending");
        CONSOLE_ERR(ph, "CAPF: the authentication string must be entered on the phone (phone boot --auth-string)");
        next(b);
        return;
    }
    b->capf_password = !strcmp(mode, "1") ? b->o->auth_string : "";
    struct sockaddr_in sa;
    if (!ph_resolve(b->c_host, b->c_port, &sa)) {
        CONSOLE_ERR(ph, "CAPF: cannot resolve %s", b->c_host);
        STATUS(ph, "Certificate Operation Status: Operation Pending");
        next(b);
        return;
    }
    b->capf_reason = -1;
    conn_open(b, &sa, 1, capf_up, capf_readable, capf_end);
}

/* ---- stage 5: DeviceTLInfo (HTTP POST to the TFTP server's port 6970) ---- */

static void report_end(ph_boot *b)
{
    int code = 0;
    char url[128];
    snprintf(url, sizeof url, "http://%s:%d/DeviceTLInfo", b->o->tftp_host, b->o->http_port);
    b->http_head[b->http_head_len] = 0;
    if (sscanf(b->http_head, "HTTP/%*d.%*d %d", &code) != 1)
        code = 0;
    CONSOLE(&b->ph, "DeviceTLInfo to %s: %s", url, code == 200 ? "accepted" : code ? "refused" : "no answer");
    conn_close(b);
    next(b);
}

static void report_readable(ph_boot *b)
{
    struct evbuffer *in = bufferevent_get_input(b->bev);
    size_t room = sizeof b->http_head - 1 - b->http_head_len;
    int n = evbuffer_remove(in, b->http_head + b->http_head_len, room);
    if (n > 0)
        b->http_head_len += (size_t)n;
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void report_up(ph_boot *b, int up)
{
    if (up <= 0) {
        report_end(b);
        return;
    }
    char body[256];
    ph_report_body(&b->ph, body, sizeof body);
    evbuffer_add_printf(bufferevent_get_output(b->bev),
                        "POST /DeviceTLInfo HTTP/1.0\r\nHost: %s:%d\r\nConnection: close\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
                        b->o->tftp_host, b->o->http_port, strlen(body), body);
}

static void stage_report(ph_boot *b)
{
    if (b->res.locked)
        b->rc = ph_save(&b->ph, "locked", "", 0, 0644, &b->d);
    else
        ph_drop(b->ph.dir, "locked");
    if (b->rc || !b->o->http_port) {
        next(b);
        return;
    }
    struct sockaddr_in sa = b->tftp_srv;
    sa.sin_port = htons((uint16_t)b->o->http_port);
    ph_resolve(b->o->tftp_host, b->o->http_port, &sa); /* (resolved before: only a rehearsal's redirect moves it) */
    b->http_head_len = 0;
    conn_open(b, &sa, 0, report_up, report_readable, report_end);
}

/* ---- the stages, in order ---- */

static void run_stage(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    ph_boot *b = arg;
    if (b->rc && b->stage < ST_END)
        b->stage = ST_END;
    switch (b->stage++) {
    case ST_CTL:
        stage_list(b, 1);
        return;
    case ST_ITL:
        if (b->ph.model.sbd)
            stage_list(b, 0);
        else
            next(b);
        return;
    case ST_CONFIG:
        stage_config(b);
        return;
    case ST_FILES:
        stage_files(b);
        return;
    case ST_CAPF:
        if (b->ph.model.sbd)
            stage_capf(b);
        else
            next(b);
        return;
    case ST_REPORT:
        stage_report(b);
        return;
    default:
        b->stage = ST_END + 1;
        if (b->rc && b->opened)
            CONSOLE_ERR(&b->ph, "boot stopped: %s", b->d.msg);
        b->done(b, b->done_arg);
        return;
    }
}

static void next(ph_boot *b)
{
    static const struct timeval now = {0, 0};
    event_add(b->kick, &now);
}

static ph_boot *boot_new(ph_loop *l, const pt_phone_boot_opts *o, ph_boot_done done, void *arg)
{
    ph_boot *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->loop = l, b->o = o, b->done = done, b->done_arg = arg;
    b->fd = -1;
    pt_buf_init(&b->got);
    if (!(b->kick = evtimer_new(l->base, run_stage, b))) {
        free(b);
        return NULL;
    }
    return b;
}

ph_boot *ph_boot_start(ph_loop *l, const pt_phone_boot_opts *o, ph_boot_done done, void *arg)
{
    ph_boot *b = boot_new(l, o, done, arg);
    if (!b)
        return NULL;
    if ((b->rc = ph_open(&b->ph, o->state, o->mac, o->model, &b->d)) == PT_OK) {
        b->opened = 1;
        b->ph.keys = l->keys;
        if (!ph_resolve(o->tftp_host, o->tftp_port, &b->tftp_srv))
            fail(b, PT_ERR_ARG, "TFTP server %s: cannot resolve it%s", o->tftp_host, "");
        else
            CONSOLE(&b->ph, "boot: %s (Cisco %s) from TFTP %s:%d", b->ph.name, b->ph.model.name, o->tftp_host,
                    o->tftp_port);
    }
    b->stage = ST_CTL;
    next(b);
    return b;
}

int ph_boot_outcome(const ph_boot *b, pt_phone_result *res, pt_diag *d)
{
    if (res)
        *res = b->res;
    if (d && b->rc)
        *d = b->d;
    return b->rc;
}

size_t ph_boot_size(const ph_boot *b)
{
    return sizeof *b + b->ph.ctl_len + b->ph.itl_len + b->ph.config_len + b->got.cap + b->ask_len + b->stub_len;
}

void ph_boot_free(ph_boot *b)
{
    if (!b)
        return;
    keygen_join(b);
    tftp_close(b);
    conn_close(b);
    if (b->kick)
        event_free(b->kick);
    pt_buf_free(&b->got);
    free(b->ask_der);
    EVP_PKEY_free(b->auth_key);
    EVP_PKEY_free(b->lsc_key);
    X509_free(b->auth_cert);
    OPENSSL_free(b->https_der);
    free(b->stub);
    ph_free(&b->ph);
    free(b);
}

/* ---- one phone: `phone boot` ---- */

static void stop_loop(ph_boot *b, void *arg)
{
    (void)arg;
    event_base_loopbreak(b->loop->base);
}

int pt_phone_boot(const pt_phone_boot_opts *o, pt_phone_result *res, pt_diag *d)
{
    memset(res, 0, sizeof *res);
    ph_loop *l = ph_loop_new(d);
    if (!l)
        return PT_ERR_NOMEM;
    ph_boot *b = ph_boot_start(l, o, stop_loop, NULL);
    int rc = b ? PT_OK : pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    if (b) {
        event_base_dispatch(l->base);
        rc = ph_boot_outcome(b, res, d);
    }
    ph_boot_free(b);
    ph_loop_free(l);
    return rc;
}

/* ---- HTTPS application servers: `phone https-check` ---- */

static void https_check(ph_boot *b)
{
    pt_ph_lists l = ph_have(&b->ph);
    pt_ph_tvs tvs = deferred_tvs(b);
    pt_ph_check_https(&l, b->https_der, (size_t)b->https_der_len, &tvs, b->https_v);
    if (b->ask_der) {
        tvs_lookup(b, https_check);
        return;
    }
    pt_ph_verdict *v = b->https_v;
    CONSOLE(&b->ph, "HTTPS %s: %s%s", b->https_url, v->accept ? "trusted, " : "not trusted: ",
            v->accept ? pt_ph_how_name(v->how) : v->reason);
    event_base_loopbreak(b->loop->base);
}

static void https_up(ph_boot *b, int up)
{
    if (up <= 0) {
        char where[80];
        snprintf(where, sizeof where, "%s:%d", b->c_host, b->c_port);
        fail(b, PT_ERR_IO, "%s: %s", where, up ? "TLS handshake failed" : "cannot connect");
        event_base_loopbreak(b->loop->base);
        return;
    }
    /* keep the server's certificate; the connection itself is done */
    b->https_der = b->peer_der, b->https_der_len = b->peer_der_len;
    b->peer_der = NULL;
    conn_close(b);
    https_check(b);
}

int pt_phone_https_check(const char *state, const char *mac, const char *url, int timeout_ms, pt_ph_verdict *v,
                         pt_diag *d)
{
    char host[64];
    long port = 443;
    const char *p = url && !strncmp(url, "https://", 8) ? url + 8 : NULL;
    size_t hl = p ? strcspn(p, ":/") : 0;
    if (!p || !hl || hl >= sizeof host)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: expected https://HOST[:PORT]/...", url ? url : "(none)");
    snprintf(host, sizeof host, "%.*s", (int)hl, p);
    if (p[hl] == ':' && ((port = strtol(p + hl + 1, NULL, 10)) < 1 || port > 65535))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: bad port", url);
    ph_loop *l = ph_loop_new(d);
    if (!l)
        return PT_ERR_NOMEM;
    pt_phone_boot_opts o = {.state = state, .mac = mac, .timeout_ms = timeout_ms};
    ph_boot *b = boot_new(l, &o, NULL, NULL);
    int rc = b ? ph_open(&b->ph, state, mac, NULL, d) : pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    struct sockaddr_in sa;
    if (!rc && !ph_resolve(host, (int)port, &sa))
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: cannot resolve the host name", host);
    if (!rc) {
        b->opened = 1;
        b->ph.keys = l->keys;
        b->https_v = v;
        b->https_url = url;
        memset(v, 0, sizeof *v);
        snprintf(b->c_host, sizeof b->c_host, "%s", host);
        b->c_port = (int)port;
        conn_open(b, &sa, 1, https_up, NULL, conn_close);
        event_base_dispatch(l->base);
        if (b->rc)
            *d = b->d;
        rc = b->rc;
    }
    ph_boot_free(b);
    ph_loop_free(l);
    return rc;
}
