/*
 * phone.c - one simulated phone: state directory, TFTP client, TVS client
 * over TLS, the boot sequence of phone-trust-rules.md, the DeviceTLInfo
 * report.  Blocking I/O with timeouts: one phone at a time.
 */
#include "phone.h"

#include "engine.h"
#include "phonetrust/buf.h"
#include "phonetrust/cert.h"
#include "phonetrust/cluster.h"
#include "phonetrust/constants.h"
#include "phonetrust/crypto.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sgn.h"
#include "phonetrust/trustlist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILE (1u << 20)

int pt_phone_model_find(const char *name, pt_phone_model *out)
{
    int sbd = 0;
    if (!name || strlen(name) >= sizeof out->name || !pt_model_known(name, &sbd))
        return 0;
    snprintf(out->name, sizeof out->name, "%s", name);
    out->sbd = sbd;
    out->family = !strncmp(name, "79", 2) ? 79 : 0;
    return 1;
}

int pt_phone_name(const char *mac, char out[16], pt_diag *d)
{
    const char *m = mac && !strncasecmp(mac, "SEP", 3) ? mac + 3 : mac;
    if (!m || strlen(m) != 12)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: a MAC is 12 hex digits", mac ? mac : "(none)");
    memcpy(out, "SEP", 3);
    for (int i = 0; i < 12; i++) {
        if (!isxdigit((unsigned char)m[i]))
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: a MAC is 12 hex digits", mac);
        out[3 + i] = (char)toupper((unsigned char)m[i]);
    }
    out[15] = 0;
    return PT_OK;
}

/* ---- the state directory ---- */

typedef struct phone {
    char dir[PATH_MAX];
    char name[16];
    pt_phone_model model;
    uint8_t *ctl, *itl, *config;
    size_t ctl_len, itl_len, config_len;
    const pt_phone_boot_opts *o;
    FILE *log;
} phone;

static int phone_dir(const char *state, const char *mac, char name[16], char *dir, size_t n, pt_diag *d)
{
    int rc = pt_phone_name(mac, name, d);
    if (!rc && pt_path_join(dir, n, state, name))
        rc = pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", state);
    return rc;
}

static int read_opt(const char *dir, const char *file, uint8_t **data, size_t *len)
{
    char path[PATH_MAX];
    *data = NULL;
    *len = 0;
    if (pt_path_join(path, sizeof path, dir, file))
        return PT_ERR_ARG;
    if (access(path, F_OK) != 0)
        return PT_OK;
    return pt_file_read(path, data, len, MAX_FILE, NULL);
}

static int save_mode(phone *ph, const char *file, const void *data, size_t len, mode_t mode, pt_diag *d)
{
    char path[PATH_MAX];
    if (pt_path_join(path, sizeof path, ph->dir, file))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", ph->dir);
    return pt_file_write_atomic(path, data, len, mode, d);
}

static int save(phone *ph, const char *file, const void *data, size_t len, pt_diag *d)
{
    return save_mode(ph, file, data, len, 0644, d);
}

static void drop(const char *dir, const char *file)
{
    char path[PATH_MAX];
    if (!pt_path_join(path, sizeof path, dir, file))
        unlink(path);
}

static void append(const char *dir, const char *file, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(const char *dir, const char *file, const char *fmt, ...)
{
    char path[PATH_MAX];
    if (pt_path_join(path, sizeof path, dir, file))
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char hms[16], ts[32];
    strftime(hms, sizeof hms, "%H:%M:%S", &tm);
    snprintf(ts, sizeof ts, "%s.%06ld", hms, (long)tv.tv_usec);
    va_list ap;
    va_start(ap, fmt);
    pt_file_append_line(path, ts, fmt, ap);
    va_end(ap);
}

#define CONSOLE(ph, ...) append((ph)->dir, "console.log", __VA_ARGS__)
#define STATUS(ph, ...) append((ph)->dir, "status.log", __VA_ARGS__)

static pt_ph_lists have(const phone *ph)
{
    pt_ph_lists l = {ph->ctl, ph->ctl_len, ph->model.sbd ? ph->itl : NULL, ph->model.sbd ? ph->itl_len : 0};
    return l;
}

/* ---- the MIC: issued at first boot by the simulator's own CA ---- */

static int write_pem(const char *path, EVP_PKEY *key, X509 *cert, mode_t mode, pt_diag *d)
{
    pt_buf pem;
    pt_buf_init(&pem);
    int rc = pt_pem_write(&pem, key, cert);
    if (!rc)
        rc = pt_file_write_atomic(path, pem.data, pem.len, mode, d);
    pt_buf_free(&pem); /* secret: wiped */
    return rc;
}

/* The simulator's "Cisco Manufacturing CA": <state>/manufacturing-ca.pem
 * (key, 0600) and manufacturing-ca.crt (the certificate alone, for the
 * cluster's CAPF-trust), made once. */
static int manufacturing_ca(const char *state, EVP_PKEY **key, X509 **cert, pt_diag *d)
{
    char path[PATH_MAX], crt[PATH_MAX];
    if (pt_path_join(path, sizeof path, state, "manufacturing-ca.pem") ||
        pt_path_join(crt, sizeof crt, state, "manufacturing-ca.crt"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", state);
    if (access(path, F_OK) == 0)
        return pt_pem_load(path, key, cert, d);
    pt_cert_spec spec;
    pt_cert_spec_init(&spec);
    spec.profile = PT_PROFILE_CA;
    spec.cn = "Cisco Manufacturing CA";
    spec.o = "Cisco Systems";
    int rc = pt_cert_create(&spec, key, cert, d);
    if (!rc)
        rc = write_pem(crt, NULL, *cert, 0644, d);
    if (!rc)
        rc = write_pem(path, *key, *cert, 0600, d);
    return rc;
}

/* mic.pem (key and certificate, 0600) for a Security By Default phone. */
static int ensure_mic(phone *ph, const char *state, pt_diag *d)
{
    char path[PATH_MAX];
    if (!ph->model.sbd || pt_path_join(path, sizeof path, ph->dir, "mic.pem") || access(path, F_OK) == 0)
        return PT_OK;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    X509 *ca = NULL, *mic = NULL;
    int rc = manufacturing_ca(state, &ca_key, &ca, d);
    char cn[48];
    snprintf(cn, sizeof cn, "CP-%s-%s", ph->model.name, ph->name);
    pt_cert_spec spec;
    pt_cert_spec_init(&spec);
    spec.profile = PT_PROFILE_LEAF;
    spec.cn = cn;
    spec.o = "Cisco Systems Inc.";
    spec.issuer_key = ca_key;
    spec.issuer_cert = ca;
    if (!rc)
        rc = pt_cert_create(&spec, &key, &mic, d);
    if (!rc)
        rc = write_pem(path, key, mic, 0600, d);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    X509_free(ca);
    X509_free(mic);
    return rc;
}

/* ---- TFTP client (RFC 1350 + blksize) ---- */

/* 1 got it, 0 not found, <0 error (d says why). */
static int tftp_get(phone *ph, const char *file, pt_buf *out, pt_diag *d)
{
    const pt_phone_boot_opts *o = ph->o;
    struct sockaddr_in srv = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->tftp_port)};
    if (inet_pton(AF_INET, o->tftp_host, &srv.sin_addr) != 1)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "TFTP server %s: an IPv4 address is expected", o->tftp_host);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "socket: %s", strerror(errno));
    uint8_t last[600], pkt[1600];
    size_t last_len = 0;
    last[last_len++] = 0, last[last_len++] = 1;
    size_t fl = strlen(file);
    if (fl > 255) {
        close(fd);
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: name too long", file);
    }
    memcpy(last + last_len, file, fl + 1), last_len += fl + 1;
    memcpy(last + last_len, "octet\0blksize\0" "1428", 19), last_len += 19;
    last[last_len++] = 0;
    struct sockaddr_in peer = srv;
    int have_peer = 0, tries = 0, rc = -1;
    size_t blksize = 512;
    uint16_t expect = 1;
    out->len = 0;
    sendto(fd, last, last_len, 0, (struct sockaddr *)&srv, sizeof srv);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int n = poll(&p, 1, o->timeout_ms);
        if (n == 0) {
            if (++tries > 4) {
                rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "TFTP %s:%d %s: no answer", o->tftp_host, o->tftp_port,
                                 file);
                break;
            }
            sendto(fd, last, last_len, 0, (struct sockaddr *)(have_peer ? &peer : &srv), sizeof srv);
            continue;
        }
        struct sockaddr_in from;
        socklen_t froml = sizeof from;
        ssize_t r = recvfrom(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&from, &froml);
        if (r < 4 || from.sin_addr.s_addr != srv.sin_addr.s_addr)
            continue;
        if (have_peer && from.sin_port != peer.sin_port)
            continue; /* another transfer's packet */
        if (!have_peer)
            peer = from, have_peer = 1;
        uint16_t op = (uint16_t)(pkt[0] << 8 | pkt[1]), blk = (uint16_t)(pkt[2] << 8 | pkt[3]);
        if (op == 5) {
            rc = blk == 1 ? 0 : pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "TFTP %s: error %u: %.*s", file, blk,
                                            (int)(r - 4 > 100 ? 100 : r - 4), (const char *)pkt + 4);
            break;
        }
        if (op == 6) { /* OACK: blksize */
            const char *q = (const char *)pkt + 2, *end = (const char *)pkt + r;
            while (q < end) {
                const char *k = q, *v = q + strnlen(q, (size_t)(end - q)) + 1;
                if (v >= end)
                    break;
                if (!strcasecmp(k, "blksize"))
                    blksize = (size_t)atoi(v);
                q = v + strnlen(v, (size_t)(end - v)) + 1;
            }
            if (blksize < 8 || blksize > 1428)
                blksize = 512;
            last_len = 4, last[0] = 0, last[1] = 4, last[2] = 0, last[3] = 0;
            sendto(fd, last, last_len, 0, (struct sockaddr *)&peer, sizeof peer);
            tries = 0;
            continue;
        }
        if (op != 3)
            continue;
        if (blk == expect) {
            pt_buf_put(out, pkt + 4, (size_t)r - 4);
            expect++;
            tries = 0;
        }
        last_len = 4, last[0] = 0, last[1] = 4, last[2] = pkt[2], last[3] = pkt[3];
        sendto(fd, last, last_len, 0, (struct sockaddr *)&peer, sizeof peer);
        if (blk == (uint16_t)(expect - 1) && (size_t)r - 4 < blksize) {
            rc = 1;
            break;
        }
        if (out->len > MAX_FILE) {
            rc = pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET, "TFTP %s: larger than 1 MB", file);
            break;
        }
    }
    close(fd);
    if (rc == 1 && pt_buf_error(out))
        rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    return rc;
}

/* The first of names[] the TFTP server has: 1 (and *which), 0 none, <0 error. */
static int tftp_first(phone *ph, const char *const *names, size_t n, pt_buf *out, const char **which, pt_diag *d)
{
    for (size_t i = 0; i < n; i++) {
        int rc = tftp_get(ph, names[i], out, d);
        if (rc) {
            *which = names[i];
            return rc;
        }
    }
    return 0;
}

/* ---- TVS client (§5) ---- */

/* The TVS servers of the config in force: <TVS><members><member><port>,<address>. */
static size_t tvs_servers(const phone *ph, char addr[][64], int *port, size_t max)
{
    size_t n = 0;
    if (!ph->config)
        return 0;
    char *cfg = strndup((const char *)ph->config, ph->config_len);
    if (!cfg)
        return 0;
    char *sec = strstr(cfg, "<TVS>"), *end = sec ? strstr(sec, "</TVS>") : NULL;
    for (char *m = sec; m && end && n < max && (m = strstr(m, "<member")) && m < end; m++) {
        char *pp = strstr(m, "<port>"), *ap = strstr(m, "<address>");
        if (!pp || !ap || ap > end)
            break;
        port[n] = atoi(pp + 6);
        char *ae = strstr(ap, "</address>");
        if (!ae)
            break;
        snprintf(addr[n], 64, "%.*s", (int)(ae - ap - 9 < 63 ? ae - ap - 9 : 63), ap + 9);
        n++;
        m = ae;
    }
    free(cfg);
    return n;
}

static int tcp_connect(const char *host, int port, int timeout_ms)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A TLS client connection (no chain checks: the phone compares the
 * server's certificate with its lists itself) and that certificate. */
typedef struct tls_conn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    unsigned char *der;
    int der_len;
} tls_conn;

/* 1 connected with c->der set, 0 cannot connect, -1 handshake failed;
 * tls_close in every case. */
static int tls_open(tls_conn *c, const char *host, int port, int timeout_ms)
{
    memset(c, 0, sizeof *c);
    if ((c->fd = tcp_connect(host, port, timeout_ms)) < 0)
        return 0;
    c->ctx = SSL_CTX_new(TLS_client_method());
    c->ssl = c->ctx ? SSL_new(c->ctx) : NULL;
    X509 *peer = NULL;
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || SSL_connect(c->ssl) != 1 ||
        !(peer = SSL_get1_peer_certificate(c->ssl)))
        return -1;
    c->der_len = i2d_X509(peer, &c->der);
    X509_free(peer);
    return c->der_len > 0 ? 1 : -1;
}

static void tls_close(tls_conn *c)
{
    OPENSSL_free(c->der);
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    ERR_clear_error();
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* One TVS server: 1 valid (roles), 0 invalid, -1 unusable (try the next). */
static int tvs_query(phone *ph, const char *host, int port, const uint8_t *der, size_t len, uint32_t *roles,
                     uint32_t *ttl)
{
    tls_conn c;
    int result = -1, up = tls_open(&c, host, port, ph->o->timeout_ms);
    SSL *ssl = c.ssl;
    pt_ph_lists l = have(ph);
    if (up <= 0) {
        CONSOLE(ph, "TVS %s:%d: %s", host, port, up ? "TLS handshake failed" : "cannot connect");
        goto out;
    }
    if (!pt_ph_server_trusted(&l, c.der, (size_t)c.der_len, PT_ROLE_TVS)) {
        CONSOLE(ph, "TVS %s:%d: the server's certificate is not a TVS record of the ITL", host, port);
        goto out;
    }
    pt_buf req;
    pt_buf_init(&req);
    char dev[48];
    snprintf(dev, sizeof dev, "CP-%s-%s", ph->model.name, ph->name);
    size_t dl = strlen(dev);
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
    pt_buf_put_tlv(&req, 2, der, len);
    int ok = !pt_buf_error(&req) && len < 60000 && SSL_write(ssl, req.data, (int)req.len) == (int)req.len;
    pt_buf_free(&req);
    uint8_t rsp[512];
    int got = 0, r;
    while (ok && got < (int)sizeof rsp && (r = SSL_read(ssl, rsp + got, (int)sizeof rsp - got)) > 0)
        got += r;
    pt_reader rd;
    pt_rd_init(&rd, rsp, (size_t)got);
    uint8_t id = 0, ver = 0, cmd = 0, rsv;
    uint32_t sid;
    uint16_t blen;
    if (!ok || pt_rd_u8(&rd, &id) || pt_rd_u8(&rd, &ver) || pt_rd_u8(&rd, &cmd) || pt_rd_u8(&rd, &rsv) ||
        pt_rd_u32(&rd, &sid) || pt_rd_u16(&rd, &blen) || id != PT_TVS_PROTOCOL_ID || cmd != 2) {
        CONSOLE(ph, "TVS %s:%d: no valid answer", host, port);
        goto out;
    }
    int status = -1;
    *roles = 0;
    *ttl = 0;
    while (!pt_rd_eof(&rd)) {
        uint8_t tag;
        uint16_t l2;
        const uint8_t *v;
        if (pt_rd_tlv(&rd, &tag, &l2, &v))
            break;
        if (tag == 7 && l2 == 1)
            status = v[0];
        else if (tag == 9 && l2 == 4)
            *ttl = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
        else if (tag == 8)
            for (uint16_t i = 0; i < l2; i++)
                if (v[i] < 32)
                    *roles |= 1u << v[i];
    }
    result = status == 0 ? 1 : 0;
    CONSOLE(ph, "TVS %s:%d: certificate %s", host, port, result ? "Valid" : "Invalid");
out:
    tls_close(&c);
    return result;
}

/*
 * The TVS answer cache (tvs-cache in the phone's directory): one line per
 * vouched certificate, "SHA256 ROLES EXPIRES", valid for the TTL TVS gave.
 * Reads it: 1 and *roles when `hash` is there and unexpired; keep (when
 * non-NULL) receives the other unexpired lines.
 */
static int cache_read(phone *ph, const char *hash, uint32_t *roles, pt_buf *keep)
{
    uint8_t *data;
    size_t len;
    if (read_opt(ph->dir, "tvs-cache", &data, &len) || !data)
        return 0;
    char *text = strndup((const char *)data, len), *sp = NULL;
    free(data);
    int found = 0;
    long long now = (long long)time(NULL);
    for (char *line = text ? strtok_r(text, "\n", &sp) : NULL; line; line = strtok_r(NULL, "\n", &sp)) {
        char h[65];
        unsigned long r;
        long long exp;
        if (sscanf(line, "%64s %lu %lld", h, &r, &exp) != 3 || exp <= now)
            continue;
        if (!strcmp(h, hash)) {
            *roles = (uint32_t)r;
            found = 1;
        } else if (keep) {
            pt_buf_put(keep, line, strlen(line));
            pt_buf_put_u8(keep, '\n');
        }
    }
    free(text);
    return found;
}

static void cache_store(phone *ph, const char *hash, uint32_t roles, uint32_t ttl)
{
    pt_buf out;
    pt_buf_init(&out);
    uint32_t old;
    cache_read(ph, hash, &old, &out);
    char add[128];
    int n = snprintf(add, sizeof add, "%s %lu %lld\n", hash, (unsigned long)roles, (long long)time(NULL) + ttl);
    pt_buf_put(&out, add, (size_t)n);
    if (!pt_buf_error(&out))
        save(ph, "tvs-cache", out.data, out.len, NULL);
    pt_buf_free(&out);
}

/* engine.h's callback: the cache, then the TVS list of the config in force, in order. */
static int tvs_ask(void *arg, const uint8_t *der, size_t len, uint32_t *roles)
{
    phone *ph = arg;
    uint8_t h[32];
    size_t hl;
    char hash[65];
    pt_digest(PT_HASH_SHA256, der, len, h, &hl);
    pt_hex(h, 32, hash);
    if (cache_read(ph, hash, roles, NULL)) {
        CONSOLE(ph, "TVS cache: certificate %.16s... Valid", hash);
        return 1;
    }
    char addr[4][64];
    int port[4];
    size_t n = tvs_servers(ph, addr, port, 4);
    if (!n)
        CONSOLE(ph, "TVS: no TVS server in the config in force");
    for (size_t i = 0; i < n; i++) {
        uint32_t ttl = 0;
        int r = tvs_query(ph, addr[i], port[i], der, len, roles, &ttl);
        if (r == 1 && ttl)
            cache_store(ph, hash, *roles, ttl);
        if (r >= 0)
            return r;
    }
    return 0;
}

/* ---- DeviceTLInfo ---- */

static void sha1_hex(const uint8_t *p, size_t n, char out[41])
{
    uint8_t h[20];
    size_t hl;
    if (!p)
        snprintf(out, 41, "Not Installed");
    else if (pt_digest(PT_HASH_SHA1, p, n, h, &hl) == PT_OK)
        pt_hex(h, 20, out);
    else
        out[0] = 0;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p, (void)u;
    return s * n;
}

static void report(phone *ph)
{
    char itl[41], ctl[41], body[256], url[128];
    sha1_hex(ph->model.sbd ? ph->itl : NULL, ph->itl_len, itl);
    sha1_hex(ph->ctl, ph->ctl_len, ctl);
    snprintf(body, sizeof body, "DeviceName=%s&ITL_Signature=%s&CTL_Signature=%s", ph->name, itl, ctl);
    for (char *p = body; *p; p++)
        if (*p == ' ')
            *p = '+';
    snprintf(url, sizeof url, "http://%s:%d/DeviceTLInfo", ph->o->tftp_host, ph->o->http_port);
    CURL *c = curl_easy_init();
    if (!c)
        return;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ph->o->timeout_ms * 2);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    long code = 0;
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    CONSOLE(ph, "DeviceTLInfo to %s: %s", url, rc ? curl_easy_strerror(rc) : code == 200 ? "accepted" : "refused");
}

/* ---- CAPF, the phone's side (§6; authentication by string or null string) ---- */

/* The text of the first <tag>...</tag> after `section` (NULL: anywhere) in
 * the config in force, or "" */
static void config_value(const phone *ph, const char *section, const char *tag, char *out, size_t n)
{
    out[0] = 0;
    if (!ph->config)
        return;
    char open[48], close[48];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    char *cfg = strndup((const char *)ph->config, ph->config_len);
    char *from = cfg && section ? strstr(cfg, section) : cfg;
    char *a = from ? strstr(from, open) : NULL, *b = a ? strstr(a, close) : NULL;
    if (a && b) {
        a += strlen(open);
        snprintf(out, n, "%.*s", (int)(b - a), a);
    }
    free(cfg);
}

static int capf_send(SSL *ssl, uint8_t cmd, uint32_t sid, const pt_buf *elems)
{
    pt_buf m;
    pt_buf_init(&m);
    pt_buf_put_u8(&m, 85);
    pt_buf_put_u8(&m, cmd);
    pt_buf_put_u32(&m, sid);
    pt_buf_put_u16(&m, (uint16_t)elems->len);
    pt_buf_put(&m, elems->data, elems->len);
    int ok = !pt_buf_error(&m) && SSL_write(ssl, m.data, (int)m.len) == (int)m.len; /* one write (§6.1) */
    pt_buf_free(&m);
    return ok;
}

static int read_full(SSL *ssl, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = SSL_read(ssl, p + got, (int)(n - got));
        if (r <= 0)
            return 0;
        got += (size_t)r;
    }
    return 1;
}

/* One message: its command, session id and elements (malloc'd). */
static int capf_recv(SSL *ssl, uint8_t *cmd, uint32_t *sid, uint8_t **body, size_t *len)
{
    uint8_t h[8];
    if (!read_full(ssl, h, 8) || h[0] != 85)
        return 0;
    *cmd = h[1];
    *sid = (uint32_t)h[2] << 24 | (uint32_t)h[3] << 16 | (uint32_t)h[4] << 8 | h[5];
    *len = (size_t)h[6] << 8 | h[7];
    *body = malloc(*len ? *len : 1);
    if (!*body || !read_full(ssl, *body, *len)) {
        free(*body);
        return 0;
    }
    return 1;
}

/* The value of element `tag`, or NULL. */
static const uint8_t *capf_elem(const uint8_t *body, size_t len, uint8_t tag, uint16_t *n)
{
    pt_reader r;
    pt_rd_init(&r, body, len);
    while (!pt_rd_eof(&r)) {
        uint8_t t;
        const uint8_t *v;
        if (pt_rd_tlv(&r, &t, n, &v))
            return NULL;
        if (t == tag)
            return v;
    }
    return NULL;
}

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

/* Runs the session; returns the END_SESSION reason, or -1 when it broke off. */
static int capf_session(phone *ph, SSL *ssl, const char *password, EVP_PKEY *auth_key, X509 *auth_cert,
                        pt_phone_result *res)
{
    uint8_t cmd, *body = NULL;
    uint32_t sid;
    size_t len;
    int reason = -1;
    EVP_PKEY *key = NULL;
    while (capf_recv(ssl, &cmd, &sid, &body, &len)) {
        pt_buf e;
        pt_buf_init(&e);
        uint16_t n;
        const uint8_t *v;
        int ok = 1;
        if (cmd == 1) { /* AUTH_REQUEST */
            pt_buf_put_tlv_u8(&e, 1, 1);
            pt_buf_put_tlv_u8(&e, 7, 3);
            pt_buf_put_tlv(&e, 11, password, strlen(password) + 1);
            pt_buf_put_tlv(&e, 13, ph->name, strlen(ph->name) + 1);
            if (auth_key && auth_cert) { /* by existing certificate (§6.8.3) */
                unsigned char *der = NULL;
                int dl = i2d_X509(auth_cert, &der);
                pt_buf data, s1, s2;
                pt_buf_init(&data);
                pt_buf_init(&s1);
                pt_buf_init(&s2);
                pt_buf_put(&data, ph->name, strlen(ph->name));
                pt_buf_put_u8(&data, 0);
                if (dl > 0)
                    pt_buf_put(&data, der, (size_t)dl);
                ok = dl > 0 && capf_sign(auth_key, data.data, data.len, 0, &s1) &&
                     capf_sign(auth_key, data.data, data.len, 1, &s2);
                if (ok) {
                    put_wrapped(&e, der, (size_t)dl);
                    pt_buf_put_tlv(&e, 6, s1.data, s1.len);
                    pt_buf_put_u8(&e, 20);
                    pt_buf_put_u16(&e, (uint16_t)(3 + s2.len));
                    pt_buf_put_u8(&e, 3);
                    pt_buf_put_u16(&e, (uint16_t)s2.len);
                    pt_buf_put(&e, s2.data, s2.len);
                }
                OPENSSL_free(der);
                pt_buf_free(&data);
                pt_buf_free(&s1);
                pt_buf_free(&s2);
            }
            ok = ok && capf_send(ssl, 2, sid, &e);
        } else if (cmd == 3) { /* KEY_GENERATE_REQUEST */
            const uint8_t *kt = capf_elem(body, len, 17, &n), *ks, *cv;
            uint16_t kn, cn;
            ks = capf_elem(body, len, 10, &kn);
            cv = capf_elem(body, len, 18, &cn);
            static const char *const curves[] = {"P-256", "P-384", "P-521"};
            int ec = kt && n == 1 && kt[0] == 1;
            int bits = ks && kn == 2 ? (ks[0] << 8 | ks[1]) : 2048;
            EVP_PKEY_free(key);
            key = NULL;
            pt_diag d;
            CONSOLE(ph, "CAPF: generating an %s key", ec ? "EC" : "RSA");
            if (pt_key_generate(ec ? PT_KEY_EC : PT_KEY_RSA, bits, ec && cv && cn == 1 && cv[0] < 3 ? curves[cv[0]] : "P-256",
                                &key, &d) == PT_OK) {
                unsigned char *spki = NULL;
                int sl = i2d_PUBKEY(key, &spki);
                if (sl > 0)
                    pt_buf_put_tlv(&e, 9, spki, (size_t)sl);
                OPENSSL_free(spki);
            } else {
                pt_buf_put_tlv_u8(&e, 1, 7);
            }
            ok = capf_send(ssl, 4, sid, &e);
        } else if (cmd == 9) { /* STORE_CERTIFICATE_REQUEST: the new LSC */
            v = capf_elem(body, len, 4, &n);
            X509 *lsc = v && n > 5 ? pt_cert_from_der(v + 5, n - 5u) : NULL;
            pt_buf pem;
            pt_buf_init(&pem);
            pem.secret = 1;
            int stored = lsc && key && X509_check_private_key(lsc, key) == 1 && pt_pem_write(&pem, key, lsc) == PT_OK &&
                         save_mode(ph, "lsc.pem", pem.data, pem.len, 0600, NULL) == PT_OK; /* key + LSC */
            if (stored)
                res->lsc_installed = 1;
            pt_buf_free(&pem);
            X509_free(lsc);
            pt_buf_put_tlv_u8(&e, 1, stored ? 1 : 7);
            ok = capf_send(ssl, 10, sid, &e);
        } else if (cmd == 11 || cmd == 13) { /* FETCH / DELETE */
            uint8_t *pem = NULL;
            size_t pl = 0;
            read_opt(ph->dir, "lsc.pem", &pem, &pl);
            X509 *lsc = NULL;
            if (pem) {
                BIO *bio = BIO_new_mem_buf(pem, (int)pl);
                lsc = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
                BIO_free(bio);
                OPENSSL_cleanse(pem, pl);
                free(pem);
            }
            pt_buf_put_tlv_u8(&e, 1, lsc ? 1 : 7);
            if (lsc && cmd == 11) {
                unsigned char *der = NULL;
                int dl = i2d_X509(lsc, &der);
                if (dl > 0)
                    put_wrapped(&e, der, (size_t)dl);
                OPENSSL_free(der);
            }
            if (lsc && cmd == 13) {
                drop(ph->dir, "lsc.pem");
                res->lsc_deleted = 1;
            }
            X509_free(lsc);
            ok = capf_send(ssl, cmd + 1, sid, &e);
        } else if (cmd == 15) { /* END_SESSION */
            v = capf_elem(body, len, 1, &n);
            reason = v && n == 1 ? v[0] : 7;
            ok = 0;
        } else {
            ok = 0;
        }
        pt_buf_free(&e);
        free(body);
        body = NULL;
        if (!ok)
            break;
    }
    EVP_PKEY_free(key);
    return reason;
}

static void capf_step(phone *ph, pt_phone_result *res)
{
    char op[16], mode[8], host[64], port[8];
    config_value(ph, NULL, "certificateOperation", op, sizeof op);
    if (!op[0] || !strcmp(op, "none"))
        return;
    config_value(ph, NULL, "capfAuthMode", mode, sizeof mode);
    config_value(ph, "<capfList>", "processNodeName", host, sizeof host);
    config_value(ph, "<capfList>", "phonePort", port, sizeof port);
    pt_ph_lists l = have(ph);
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
    res->lsc_pending = 1;
    if (!capf_listed) {
        STATUS(ph, "No valid CAPF server");
        return;
    }
    /* 3: existing certificate, precedence to the LSC (a MIC-only phone cannot
     * meet it: seed 004); 4: precedence to the MIC */
    EVP_PKEY *auth_key = NULL;
    X509 *auth_cert = NULL;
    if (!strcmp(mode, "3") || !strcmp(mode, "4")) {
        char path[PATH_MAX];
        const char *which = !strcmp(mode, "3") ? "lsc.pem" : "mic.pem";
        if (pt_path_join(path, sizeof path, ph->dir, which) || access(path, F_OK) != 0 ||
            pt_pem_load(path, &auth_key, &auth_cert, NULL) != PT_OK) {
            CONSOLE(ph, "CAPF: authentication by existing certificate needs %s, which this phone does not hold",
                    !strcmp(mode, "3") ? "an LSC" : "a MIC");
            STATUS(ph, "Certificate Operation Status: Operation Pending");
            return;
        }
    } else if (strcmp(mode, "1") && strcmp(mode, "2")) {
        CONSOLE(ph, "CAPF: unknown authentication mode %s", mode);
        STATUS(ph, "Certificate Operation Status: Operation Pending");
        return;
    }
    if (!strcmp(mode, "1") && !ph->o->auth_string) {
        STATUS(ph, "Certificate Operation Status: Operation Pending");
        EVP_PKEY_free(auth_key);
        X509_free(auth_cert);
        CONSOLE(ph, "CAPF: the authentication string must be entered on the phone (phone boot --auth-string)");
        return;
    }
    tls_conn c;
    int up = tls_open(&c, host, atoi(port), ph->o->timeout_ms);
    if (up <= 0 || !pt_ph_server_trusted(&l, c.der, (size_t)c.der_len, PT_ROLE_CAPF)) {
        STATUS(ph, "LSC: Connection Failed");
        CONSOLE(ph, "CAPF %s:%s: %s", host, port,
                up > 0 ? "the server's certificate is not the CAPF record of the ITL" : "cannot connect");
    } else {
        int reason = capf_session(ph, c.ssl, !strcmp(mode, "1") ? ph->o->auth_string : "", auth_key, auth_cert, res);
        CONSOLE(ph, "CAPF %s:%s: %s operation ended, reason %d", host, port, op, reason);
        if (reason == 1 || reason == 0) {
            res->lsc_pending = 0;
            if (res->lsc_installed)
                STATUS(ph, "LSC: Installed");
        } else {
            STATUS(ph, "LSC: Failed");
            res->lsc_failed = 1;
        }
    }
    tls_close(&c);
    EVP_PKEY_free(auth_key);
    X509_free(auth_cert);
}

/* ---- boot ---- */

static void phone_free(phone *ph)
{
    free(ph->ctl);
    free(ph->itl);
    free(ph->config);
}

static int open_phone(phone *ph, const char *state, const char *mac, const char *model, pt_diag *d)
{
    memset(ph, 0, sizeof *ph);
    int rc = phone_dir(state, mac, ph->name, ph->dir, sizeof ph->dir, d);
    if (rc)
        return rc;
    if (mkdir(state, 0755) != 0 && errno != EEXIST)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", state, strerror(errno));
    uint8_t *m = NULL;
    size_t ml = 0;
    read_opt(ph->dir, "model", &m, &ml);
    char known[16] = "";
    if (m)
        snprintf(known, sizeof known, "%.*s", (int)(ml && m[ml - 1] == '\n' ? ml - 1 : ml), (const char *)m);
    free(m);
    if (!model && !known[0])
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s: a new phone: say its --model", ph->name);
    if (!pt_phone_model_find(model ? model : known, &ph->model))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "model %s: expected one of %s", model ? model : known,
                           pt_models_list());
    if (mkdir(ph->dir, 0755) != 0 && errno != EEXIST)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", ph->dir, strerror(errno));
    if (strcmp(known, ph->model.name)) {
        char line[20];
        int n = snprintf(line, sizeof line, "%s\n", ph->model.name);
        if ((rc = save(ph, "model", line, (size_t)n, d)))
            return rc;
    }
    if ((rc = ensure_mic(ph, state, d)))
        return rc;
    read_opt(ph->dir, "CTLFile.tlv", &ph->ctl, &ph->ctl_len);
    read_opt(ph->dir, "ITLFile.tlv", &ph->itl, &ph->itl_len);
    read_opt(ph->dir, "config.xml", &ph->config, &ph->config_len);
    return PT_OK;
}

/* Steps 1 and 2: one trust list. */
static int trust_list(phone *ph, int is_ctl, pt_phone_result *res, pt_diag *d)
{
    char per[32];
    snprintf(per, sizeof per, "%s%s.tlv", is_ctl ? "CTL" : "ITL", ph->name);
    const char *names[] = {per, is_ctl ? "CTLFile.tlv" : "ITLFile.tlv"};
    const char *which = NULL;
    pt_buf got;
    pt_buf_init(&got);
    int rc = tftp_first(ph, names, 2, &got, &which, d);
    if (rc <= 0) {
        if (rc == 0)
            CONSOLE(ph, "%s: none served; keeping %s", names[1], (is_ctl ? ph->ctl : ph->itl) ? "the installed one" : "none");
        pt_buf_free(&got);
        return rc < 0 ? rc : PT_OK;
    }
    pt_ph_lists l = have(ph);
    pt_ph_tvs tvs = {tvs_ask, ph};
    pt_ph_verdict v;
    if (is_ctl)
        pt_ph_check_ctl(&l, got.data, got.len, &tvs, &v);
    else
        pt_ph_check_itl(&l, got.data, got.len, &tvs, &v);
    if (v.accept && v.how != PT_PH_UNCHANGED) {
        if ((rc = save(ph, names[1], got.data, got.len, d))) {
            pt_buf_free(&got);
            return rc;
        }
        uint8_t **slot = is_ctl ? &ph->ctl : &ph->itl;
        size_t *slot_len = is_ctl ? &ph->ctl_len : &ph->itl_len;
        free(*slot);
        *slot = got.data, *slot_len = got.len;
        got.data = NULL;
        CONSOLE(ph, "%s (%s) installed: %s", names[1], which, pt_ph_how_name(v.how));
        if (is_ctl)
            res->ctl_changed = 1;
        else
            res->itl_changed = 1;
    } else if (!v.accept) {
        STATUS(ph, "Trust List Update Failed");
        CONSOLE(ph, "%s (%s) refused: %s", names[1], which, v.reason);
    }
    if (!v.accept) /* keeps lists its TFTP server no longer offers */
        res->locked = 1;
    pt_buf_free(&got);
    return PT_OK;
}

static int config_step(phone *ph, pt_phone_result *res, pt_diag *d)
{
    char sgn[40], plain[40];
    snprintf(plain, sizeof plain, "%s.cnf.xml", ph->name);
    snprintf(sgn, sizeof sgn, "%s.cnf.xml.sgn", ph->name);
    pt_ph_lists l = have(ph);
    int no_lists = !l.ctl && (!l.itl || pt_ph_is_rollback_itl(l.itl, l.itl_len));
    const char *signed_first[] = {sgn, plain}, *plain_only[] = {plain};
    const char *which = NULL;
    pt_buf got;
    pt_buf_init(&got);
    int rc = !ph->model.sbd && !ph->ctl ? tftp_first(ph, plain_only, 1, &got, &which, d)
                                         : tftp_first(ph, signed_first, 2, &got, &which, d);
    if (rc <= 0) {
        if (rc == 0)
            CONSOLE(ph, "%s: no configuration file served", plain);
        pt_buf_free(&got);
        return rc < 0 ? rc : PT_OK;
    }
    const uint8_t *payload = got.data;
    size_t plen = got.len;
    if (which == sgn) {
        pt_ph_verdict v;
        char l1[200], l2[200];
        pt_ph_check_config(&l, plain, got.data, got.len, &v, l1, l2);
        pt_header h;
        if (v.accept && pt_sgn_payload(got.data, got.len, &h, &payload, &plen, NULL) == PT_OK) {
            pt_header_free(&h);
        } else {
            if (l1[0]) {
                CONSOLE(ph, "%s", l1);
                CONSOLE(ph, "%s", l2);
            } else {
                CONSOLE(ph, "%s: %s", sgn, v.reason);
            }
            res->config_refused = 1;
            pt_buf_free(&got);
            return PT_OK;
        }
    } else if (!no_lists) {
        CONSOLE(ph, "%s: unsigned, and this phone holds trust lists: refused", plain);
        res->config_refused = 1;
        pt_buf_free(&got);
        return PT_OK;
    }
    if (!ph->config || ph->config_len != plen || memcmp(ph->config, payload, plen)) {
        if ((rc = save(ph, "config.xml", payload, plen, d))) {
            pt_buf_free(&got);
            return rc;
        }
        free(ph->config);
        ph->config = malloc(plen ? plen : 1);
        if (ph->config)
            memcpy(ph->config, payload, plen);
        ph->config_len = ph->config ? plen : 0;
        res->config_changed = 1;
        CONSOLE(ph, "%s accepted and in force", which);
    }
    pt_buf_free(&got);
    return PT_OK;
}

int pt_phone_boot(const pt_phone_boot_opts *o, pt_phone_result *res, FILE *log, pt_diag *d)
{
    phone ph;
    memset(res, 0, sizeof *res);
    int rc = open_phone(&ph, o->state, o->mac, o->model, d);
    if (rc) {
        phone_free(&ph);
        return rc;
    }
    ph.o = o;
    ph.log = log;
    CONSOLE(&ph, "boot: %s (Cisco %s) from TFTP %s:%d", ph.name, ph.model.name, o->tftp_host, o->tftp_port);
    /* locked: this boot refused a list its TFTP server offers */
    rc = trust_list(&ph, 1, res, d);
    if (!rc && ph.model.sbd)
        rc = trust_list(&ph, 0, res, d);
    if (!rc)
        rc = config_step(&ph, res, d);
    if (!rc && ph.model.sbd)
        capf_step(&ph, res);
    if (!rc) {
        if (res->locked)
            rc = save(&ph, "locked", "", 0, d);
        else
            drop(ph.dir, "locked");
    }
    if (!rc && o->http_port)
        report(&ph);
    if (rc)
        CONSOLE(&ph, "boot stopped: %s", d->msg);
    phone_free(&ph);
    return rc;
}

/* ---- HTTPS application servers ---- */

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
    phone ph;
    int rc = open_phone(&ph, state, mac, NULL, d);
    pt_phone_boot_opts o = {.state = state, .mac = mac, .timeout_ms = timeout_ms};
    ph.o = &o;
    tls_conn c = {.fd = -1};
    int up = rc ? 0 : tls_open(&c, host, (int)port, timeout_ms);
    if (!rc && up <= 0)
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s:%ld: %s", host, port,
                         up ? "TLS handshake failed" : "cannot connect (an IPv4 address is expected)");
    if (!rc) {
        pt_ph_lists l = have(&ph);
        pt_ph_tvs tvs = {tvs_ask, &ph};
        pt_ph_check_https(&l, c.der, (size_t)c.der_len, &tvs, v);
        CONSOLE(&ph, "HTTPS %s: %s%s", url, v->accept ? "trusted, " : "not trusted: ",
                v->accept ? pt_ph_how_name(v->how) : v->reason);
    }
    tls_close(&c);
    phone_free(&ph);
    return rc;
}

/* ---- show, erase, factory reset ---- */

int pt_phone_load(const char *state, const char *mac, pt_phone_state *st, pt_diag *d)
{
    memset(st, 0, sizeof *st);
    char dir[PATH_MAX];
    int rc = phone_dir(state, mac, st->name, dir, sizeof dir, d);
    if (rc)
        return rc;
    uint8_t *m;
    size_t ml;
    read_opt(dir, "model", &m, &ml);
    if (!m)
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s: no such phone in %s", st->name, state);
    snprintf(st->model, sizeof st->model, "%.*s", (int)(ml && m[ml - 1] == '\n' ? ml - 1 : ml), (const char *)m);
    free(m);
    read_opt(dir, "CTLFile.tlv", &st->ctl, &st->ctl_len);
    read_opt(dir, "ITLFile.tlv", &st->itl, &st->itl_len);
    read_opt(dir, "config.xml", &st->config, &st->config_len);
    char path[PATH_MAX];
    pt_path_join(path, sizeof path, dir, "locked");
    st->locked = access(path, F_OK) == 0;
    pt_path_join(path, sizeof path, dir, "lsc.pem");
    st->lsc = access(path, F_OK) == 0;
    size_t n;
    read_opt(dir, "status.log", (uint8_t **)&st->status, &n);
    read_opt(dir, "console.log", (uint8_t **)&st->console, &n);
    return PT_OK;
}

void pt_phone_state_free(pt_phone_state *st)
{
    free(st->ctl);
    free(st->itl);
    free(st->config);
    free(st->status);
    free(st->console);
    memset(st, 0, sizeof *st);
}

int pt_phone_erase_trust_list(const char *state, const char *mac, FILE *out, pt_diag *d)
{
    phone ph;
    int rc = open_phone(&ph, state, mac, NULL, d);
    if (!rc) {
        if (!ph.model.sbd)
            fprintf(out, "%s (Cisco %s): no Security By Default; erasing the CTL only\n", ph.name, ph.model.name);
        else if (ph.model.family == 79)
            fprintf(out, "%s (Cisco %s): Settings > Security > Trust List > ITL File > **# > Erase\n", ph.name,
                    ph.model.name);
        else
            fprintf(out, "%s (Cisco %s): Settings > Administrator Settings > Reset Settings > Security Settings\n",
                    ph.name, ph.model.name);
        drop(ph.dir, "ITLFile.tlv");
        drop(ph.dir, "CTLFile.tlv");
        drop(ph.dir, "locked");
        CONSOLE(&ph, "trust lists erased from the settings menu");
    }
    phone_free(&ph);
    return rc;
}

int pt_phone_factory_reset(const char *state, const char *mac, FILE *out, pt_diag *d)
{
    phone ph;
    int rc = open_phone(&ph, state, mac, NULL, d);
    if (!rc) {
        static const char *const files[] = {"ITLFile.tlv", "CTLFile.tlv", "locked", "config.xml", "status.log",
                                            "console.log", "tvs-cache", "lsc.pem"};
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
            drop(ph.dir, files[i]);
        fprintf(out, "%s (Cisco %s): factory reset: trust lists, LSC, configuration and logs erased\n", ph.name,
                ph.model.name);
    }
    phone_free(&ph);
    return rc;
}
