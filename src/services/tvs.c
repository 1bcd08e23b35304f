/*
 * tvs.c - the Trust Verification Service (§5): TLS on 2445 with the node's
 * TVS certificate; one VERIFY_REQUEST per connection, answered from the
 * database certificate cache, then the CTL certificate cache (seed 002);
 * a malformed request is closed without a reply.
 */
#include "server.h"

#include "phonetrust/wire.h"

#include "phonetrust/buf.h"
#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"
#include "phonetrust/trustlist.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#define TVS_HDR 10
#define TVS_MAX_BODY 65535

enum { TVS_VERIFY_REQ = 1, TVS_VERIFY_RSP = 2 };
enum { EL_DEVICE = 1, EL_CERT = 2, EL_STATUS = 7, EL_ROLES = 8, EL_TTL = 9 };

typedef struct tvs_conn {
    struct tvs_conn *next, *prev;
    server *s;
    struct bufferevent *bev;
    char peer[64];
    int closing;
} tvs_conn;

static void conn_free(tvs_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        c->s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv_release(c->s, SVC_TVS, c->peer);
    bufferevent_free(c->bev);
    free(c);
}

/* CP-<model>-SEP<12 hex>; the model may hold letters (§5.5). */
static int device_name_ok(const uint8_t *p, size_t n)
{
    if (n < 3 + 1 + 1 + 15 || memcmp(p, "CP-", 3))
        return 0;
    size_t i = 3, m = 0;
    while (i < n && p[i] != '-' && isalnum(p[i]))
        i++, m++;
    if (m < 4 || m > 8 || i >= n || p[i] != '-' || n - i - 1 != 15)
        return 0;
    if (memcmp(p + i + 1, "SEP", 3))
        return 0;
    for (size_t k = i + 4; k < n; k++)
        if (!isxdigit(p[k]) || islower(p[k]))
            return 0;
    return 1;
}

/* One cache's part of a lookup, as CUCM's TVS trace has it (seed 002). */
static void trace_cache(server *s, const char *cache, const char *id, size_t id_len, int found, const uint8_t *roles,
                        size_t n)
{
    if (!strcmp(cache, "CertificateCTLCache"))
        srv_log(s, "TVS debug %s::getCertificateInformation - Looking up the certificate cache using Unique MAP ID : "
                   "%s, len : %zu", cache, id, id_len);
    else
        srv_log(s, "TVS debug %s::getCertificateInformation - Looking up the certificate cache using Unique MAP ID : %s",
                cache, id);
    if (!found) { /* the seed's spelling: DBCACHE in this one line */
        srv_log(s, "TVS debug ERROR:%s::getCertificateInformation - Cannot find the certificate in the cache",
                strcmp(cache, "CertificateDBCache") ? cache : "CertificateDBCACHE");
        return;
    }
    srv_log(s, "TVS debug %s::getCertificateInformation - Found entry {rolecount : %zu}", cache, n);
    for (size_t i = 0; i < n; i++)
        srv_log(s, "TVS debug %s::getCertificateInformation - {role : %u}", cache, roles[i]);
}

/* name as CUCM's trace prints it: "CN=...;OU=...;O=..." */
static void trace_name(const X509_NAME *x, char *out, size_t n)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    X509_NAME_print_ex(b, x, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    int len = BIO_read(b, out, (int)n - 1);
    out[len > 0 ? len : 0] = '\0';
    BIO_free(b);
    for (char *p = out; *p; p++)
        if (*p == ',' && (p == out || p[-1] != '\\'))
            *p = ';';
}

/* A lookup in the lines of CUCM's TVS trace (serve --trace-tvs) */
static void trace_lookup(server *s, const uint8_t *der, size_t len, const char *source, const uint8_t *roles,
                         size_t n)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return;
    char subject[512], issuer[512], serial[128] = "", id[700];
    trace_name(X509_get_subject_name(x), subject, sizeof subject);
    trace_name(X509_get_issuer_name(x), issuer, sizeof issuer);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    snprintf(serial, sizeof serial, "%s", hex ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(x);
    size_t id_len = (size_t)snprintf(id, sizeof id, "%s%s", serial, issuer);
    srv_log(s, "TVS debug tvsHandleQueryCertReq");
    srv_log(s, "TVS debug tvsHandleQueryCertReq : Subject Name is: %s", subject);
    srv_log(s, "TVS debug tvsHandleQueryCertReq : Issuer Name is: %s", issuer);
    srv_log(s, "TVS debug tvsHandleQueryCertReq : Serial Number is: %s", serial);
    int in_db = source && !strcmp(source, "database");
    trace_cache(s, "CertificateDBCache", id, id_len, in_db, roles, n);
    if (!in_db)
        trace_cache(s, "CertificateCTLCache", id, id_len, source != NULL, roles, n);
    srv_log(s, "TVS debug tvsHandleQueryCertReq: Timer started from tvsHandleNewPhConnection");
}

/* Parses and answers one request; returns 0 to close without a reply. */
static int answer(tvs_conn *c, const uint8_t *msg, size_t len, pt_buf *out)
{
    server *s = c->s;
    pt_tvs_request q;
    if (pt_wire_tvs_request(msg, len, &q)) {
        srv_log(s, "TVS %s: malformed element list: closed", c->peer);
        return 0;
    }
    uint32_t sid = q.sid;
    const uint8_t *dev = q.device.p, *cert = q.cert.p; /* NULL when absent */
    size_t dev_len = q.device.n, cert_len = q.cert.n;
    if (!dev || !device_name_ok(dev, dev_len)) {
        srv_log(s, "TVS %s: invalid or missing device name: closed", c->peer);
        return 0;
    }
    if (!cert || !pt_der_is_certificate(cert, cert_len)) {
        srv_log(s, "TVS %s %.*s: %s certificate: closed", c->peer, (int)dev_len, dev, cert ? "malformed" : "missing");
        return 0;
    }
    uint8_t roles[PT_MAX_ROLES];
    size_t n = 0;
    uint32_t ttl = 0;
    const char *source = NULL;
    int known = pt_tvs_lookup(s->db_cache, s->ctl_cache, cert, cert_len, roles, &n, &ttl, &source);
    if (s->o->trace_tvs)
        trace_lookup(s, cert, cert_len, source, roles, n);
    uint8_t h[32];
    size_t hl;
    char hex[65];
    pt_digest(PT_HASH_SHA256, cert, cert_len, h, &hl);
    pt_buf_put_u8(out, PT_TVS_PROTOCOL_ID);
    pt_buf_put_u8(out, PT_TVS_VERSION);
    pt_buf_put_u8(out, TVS_VERIFY_RSP);
    pt_buf_put_u8(out, 0);
    pt_buf_put_u32(out, sid);
    size_t lenpos = out->len;
    pt_buf_put_u16(out, 0);
    pt_buf_put_tlv_u8(out, EL_STATUS, known ? 0 : 1);
    if (known) {
        pt_buf_put_tlv(out, EL_ROLES, roles, n);
        pt_buf_put_tlv_u32(out, EL_TTL, ttl);
    }
    pt_buf_patch_u16(out, lenpos, (uint16_t)(out->len - lenpos - 2));
    char rl[96] = "";
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof rl; i++)
        k += (size_t)snprintf(rl + k, sizeof rl - k, "%s%s", i ? "," : "", pt_role_name(roles[i]));
    srv_log(s, "TVS %s %.*s certificate %s: %s%s%s%s", c->peer, (int)dev_len, dev, pt_hex(h, 32, hex),
            known ? "Valid, roles " : "Invalid", known ? rl : "", known ? " from the " : "", known ? source : "");
    return 1;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    tvs_conn *c = arg;
    if (c->closing)
        return;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t have = evbuffer_get_length(in);
    if (have < TVS_HDR)
        return; /* TLS may deliver less than a header: wait (§5.5) */
    uint8_t hdr[TVS_HDR];
    evbuffer_copyout(in, hdr, TVS_HDR);
    if (hdr[0] != PT_TVS_PROTOCOL_ID || hdr[1] != PT_TVS_VERSION || hdr[2] != TVS_VERIFY_REQ) {
        srv_log(c->s, "TVS %s: %s %u: closed", c->peer,
                hdr[0] != PT_TVS_PROTOCOL_ID ? "bad protocol id" : hdr[1] != PT_TVS_VERSION ? "invalid protocol version"
                                                                                             : "unexpected command",
                hdr[0] != PT_TVS_PROTOCOL_ID ? hdr[0] : hdr[1] != PT_TVS_VERSION ? hdr[1] : hdr[2]);
        conn_free(c);
        return;
    }
    size_t body = ((size_t)hdr[8] << 8) | hdr[9];
    if (have < TVS_HDR + body)
        return;
    uint8_t *msg = malloc(TVS_HDR + body);
    if (!msg) {
        conn_free(c);
        return;
    }
    evbuffer_remove(in, msg, TVS_HDR + body);
    pt_buf out;
    pt_buf_init(&out);
    int ok = answer(c, msg, TVS_HDR + body, &out);
    free(msg);
    if (!ok || pt_buf_error(&out)) {
        pt_buf_free(&out);
        conn_free(c);
        return;
    }
    /* one write, then close once it has gone out (one request per connection) */
    bufferevent_write(bev, out.data, out.len);
    pt_buf_free(&out);
    c->closing = 1;
}

static void on_write(struct bufferevent *bev, void *arg)
{
    tvs_conn *c = arg;
    if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    tvs_conn *c = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        if (what & BEV_EVENT_TIMEOUT)
            srv_log(c->s, "TVS %s: timed out", c->peer);
        else if ((what & BEV_EVENT_ERROR) && !c->closing) {
            unsigned long e = bufferevent_get_openssl_error(c->bev);
            char why[160] = "connection error";
            if (e)
                ERR_error_string_n(e, why, sizeof why);
            srv_log(c->s, "TVS %s: %s", c->peer, why);
        }
        conn_free(c);
    }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
    (void)l, (void)salen;
    server *s = arg;
    char peer[64];
    struct bufferevent *bev = srv_tls_accept(s, SVC_TVS, s->tvs_ctx, fd, sa, peer, sizeof peer);
    if (!bev)
        return;
    tvs_conn *c = calloc(1, sizeof *c);
    if (!c) {
        bufferevent_free(bev);
        srv_release(s, SVC_TVS, peer);
        return;
    }
    c->s = s;
    c->bev = bev;
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static int make_ctx(server *s, pt_diag *d)
{
    SSL_CTX *ctx;
    int rc = srv_tls_ctx(s, s->self.name, PT_CERT_TVS, "TVS", &ctx, d);
    if (rc)
        return rc;
    if (s->tvs_ctx)
        SSL_CTX_free(s->tvs_ctx); /* open connections hold their own reference */
    s->tvs_ctx = ctx;
    return PT_OK;
}

void tvs_refresh(server *s, int force)
{
    long long v = pt_cluster_data_version(s->cl);
    if (force || v != s->db_version) { /* each worker keeps its own caches */
        pt_certcache *db = NULL;
        pt_diag d;
        if (pt_certcache_from_cluster(s->cl, &db, &d) == PT_OK && !force && s->db_cache &&
            pt_certcache_equal(db, s->db_cache)) {
            pt_certcache_free(db); /* another write (a DeviceTLInfo report, a device): nothing to recache */
        } else if (db) {
            pt_certcache_free(s->db_cache);
            s->db_cache = db;
            if (s->db_version >= 0 && !force && s->index == 0)
                srv_log(s, "TVS CertificateDBCache: the database changed. Recaching the certificate cache (%zu "
                           "certificates)", pt_certcache_size(db));
        }
        s->db_version = v;
        if (force && make_ctx(s, &d) && s->index == 0) /* a regenerated TVS certificate */
            srv_logl(s, LOG_WARNING, "TVS reload failed, keeping the previous certificate: %s", d.msg);
    }
    char path[PATH_MAX];
    pt_filestamp now;
    if (pt_path_join(path, sizeof path, s->tftp_dir, "CTLFile.tlv"))
        return;
    pt_filestamp_get(path, &now);
    if (force || pt_filestamp_changed(&now, &s->ctl_stamp)) {
        if ((!force || now.exists) && s->index == 0)
            srv_log(s, "TVS CertificateCache::localCTLCacheMonitor - CTLFile.tlv has been modified. Recaching CTL "
                       "Certificate Cache");
        pt_certcache_free(s->ctl_cache);
        s->ctl_cache = NULL;
        uint8_t *data;
        size_t len;
        if (now.exists && pt_file_read(path, &data, &len, PT_FILE_MAX, NULL) == PT_OK) {
            pt_certcache_from_ctl(data, len, &s->ctl_cache, NULL);
            free(data);
            if (s->index == 0)
                srv_log(s, "TVS updateLocalCTLCache : Refreshing the local CTL certificate cache (%zu certificates)",
                        pt_certcache_size(s->ctl_cache));
        }
        s->ctl_stamp = now;
    }
}

int tvs_start(server *s, pt_diag *d)
{
    s->db_version = -1;
    int rc = make_ctx(s, d);
    if (rc)
        return rc;
    tvs_refresh(s, 1);
    rc = srv_listen(s, s->o->tvs_port, on_accept, s, &s->tvs_listener, d);
    if (rc)
        return pt_diag_prefix(d, rc, "TVS");
    return PT_OK;
}

void tvs_stop(server *s)
{
    while (s->conns)
        conn_free(s->conns);
    if (s->tvs_listener)
        evconnlistener_free(s->tvs_listener);
    pt_certcache_free(s->db_cache);
    pt_certcache_free(s->ctl_cache);
    if (s->tvs_ctx)
        SSL_CTX_free(s->tvs_ctx);
    s->tvs_listener = NULL;
    s->db_cache = s->ctl_cache = NULL;
    s->tvs_ctx = NULL;
}
