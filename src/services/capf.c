/*
 * capf.c - the Certificate Authority Proxy Function (§6): TLS on 3804 with
 * the publisher's CAPF certificate.  The server speaks first; every message
 * goes out in one write (phones stall otherwise).  The operation and its
 * settings come from the device in the database; the outcome is written
 * back as the device's Certificate Operation Status (M25).
 *
 *   AUTH_REQUEST -> AUTH_RESPONSE -> (by null string | authentication string
 *   | existing certificate) -> install: KEY_GENERATE_REQUEST ->
 *   [REQUEST_IN_PROGRESS...] KEY_GENERATE_RESPONSE -> STORE_CERTIFICATE ->
 *   END_SESSION; fetch / delete likewise; nothing to do: END_SESSION 0.
 */
#include "server.h"

#include "phonetrust/buf.h"
#include "phonetrust/cert.h"
#include "phonetrust/constants.h"
#include "phonetrust/wire.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum {
    C_AUTH_REQ = 1, C_AUTH_RSP = 2, C_KEYGEN_REQ = 3, C_KEYGEN_RSP = 4, C_STORE_REQ = 9, C_STORE_RSP = 10,
    C_FETCH_REQ = 11, C_FETCH_RSP = 12, C_DELETE_REQ = 13, C_DELETE_RSP = 14, C_END = 15, C_IN_PROGRESS = 17
};
enum {
    E_REASON = 1, E_CERT_TYPE = 3, E_CERT = 4, E_SIGNED = 6, E_VERSION = 7, E_AUTH_TYPE = 8, E_PUBKEY = 9,
    E_KEY_SIZE = 10, E_PASSWORD = 11, E_DEVICE = 13, E_SUDI = 16, E_KEY_TYPE = 17, E_CURVE = 18, E_SHA2 = 20
};
enum { R_NO_ACTION = 0, R_UPDATE = 1, R_INVALID = 7, R_UNKNOWN_DEVICE = 9 };
enum { ST_AUTH, ST_KEYGEN, ST_STORE, ST_FETCH, ST_DELETE, ST_DONE };

#define CAPF_HDR 8
#define KEYGEN_TIMEOUT 120 /* phones take tens of seconds to make an RSA-2048 key */
/* A device whose operation ended gets its configuration rewritten (it no
 * longer asks for the operation) this long after, together with the others
 * that ended meanwhile: one signer and one file-system flush for all of them
 * instead of one each.  A phone asking again in between is told no
 * operation is scheduled, as after the rewrite. */
#define CONFIGS_AFTER_MS 20

typedef struct capf_conn {
    struct capf_conn *next, *prev;
    server *s;
    struct bufferevent *bev;
    char peer[64];
    uint32_t sid;
    int state;
    char device[16];
    pt_capf_op op;
    X509 *issued; /* the LSC sent, recorded once the phone has stored it */
} capf_conn;

typedef pt_capf_msg msg;

static const char *op_word(const char *op)
{
    return !strcmp(op, "delete") ? "Delete" : !strcmp(op, "fetch") ? "Troubleshoot" : "Upgrade";
}

static void conn_free(capf_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        c->s->capf_conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv_release(c->s, SVC_CAPF, c->peer);
    X509_free(c->issued);
    bufferevent_free(c->bev);
    free(c);
}

/* One message, one write. */
static void send_msg(capf_conn *c, uint8_t cmd, const pt_buf *elements)
{
    pt_buf b;
    pt_buf_init(&b);
    pt_buf_put_u8(&b, PT_CAPF_PROTOCOL_ID);
    pt_buf_put_u8(&b, cmd);
    pt_buf_put_u32(&b, c->sid);
    pt_buf_put_u16(&b, (uint16_t)(elements ? elements->len : 0));
    if (elements)
        pt_buf_put(&b, elements->data, elements->len);
    if (!pt_buf_error(&b))
        bufferevent_write(c->bev, b.data, b.len);
    pt_buf_free(&b);
}

static void end_session(capf_conn *c, int reason)
{
    pt_buf e;
    pt_buf_init(&e);
    pt_buf_put_tlv_u8(&e, E_REASON, (uint8_t)reason);
    send_msg(c, C_END, &e);
    pt_buf_free(&e);
    c->state = ST_DONE;
}

static void fail(capf_conn *c, const char *status, const char *why)
{
    char full[128];
    snprintf(full, sizeof full, "%s Failed: %s", op_word(c->op.op), status);
    if (c->device[0])
        pt_cluster_capf_result(c->s->cl, c->device, full, 0, NULL);
    srv_log(c->s, "CAPF %s %s: %s (%s)", c->peer, c->device[0] ? c->device : "-", full, why);
    end_session(c, R_INVALID);
}

/* Rewrites the configurations of the devices whose operation ended. */
static void configs_now(evutil_socket_t fd, short ev, void *arg)
{
    (void)fd, (void)ev;
    server *s = arg;
    if (!s->capf_done_n)
        return;
    const char **names = malloc(s->capf_done_n * sizeof *names);
    pt_diag d;
    int rc = names ? PT_OK : pt_diag_set(&d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    for (size_t i = 0; names && i < s->capf_done_n; i++)
        names[i] = s->capf_done[i];
    if (!rc)
        rc = pt_cluster_write_configs_of(s->cl, names, s->capf_done_n, &d);
    if (rc)
        srv_logl(s, LOG_WARNING, "CAPF: the configurations of %zu devices whose operation ended were not rewritten "
                                 "(utils service restart \"Cisco Tftp\" rewrites them): %s",
                 s->capf_done_n, d.msg);
    free(names);
    s->capf_done_n = 0;
}

/* The operation of c's device ended (recorded): its configuration is
 * rewritten shortly, with the others'. */
static void configs_later(capf_conn *c)
{
    server *s = c->s;
    for (size_t i = 0; i < s->capf_done_n; i++)
        if (!strcmp(s->capf_done[i], c->device))
            return;
    if (s->capf_done_n == s->capf_done_cap) {
        size_t cap = s->capf_done_cap ? 2 * s->capf_done_cap : 64;
        char(*grown)[16] = realloc(s->capf_done, cap * sizeof *grown);
        if (!grown) {
            configs_now(-1, 0, s); /* no room to gather: now, with those gathered */
            const char *one = c->device;
            pt_cluster_write_configs_of(s->cl, &one, 1, NULL);
            return;
        }
        s->capf_done = grown;
        s->capf_done_cap = cap;
    }
    snprintf(s->capf_done[s->capf_done_n++], 16, "%s", c->device);
    if (s->capf_done_n == 1 && s->capf_done_ev) {
        struct timeval tv = {0, CONFIGS_AFTER_MS * 1000};
        evtimer_add(s->capf_done_ev, &tv);
    }
}

/* The DER inside a wrapped certificate (§6.6): offset 5 of the element. */
static X509 *unwrap(pt_bytes w)
{
    return w.n > 5 ? pt_cert_from_der(w.p + 5, w.n - 5) : NULL;
}

static void wrap(pt_buf *e, X509 *x)
{
    pt_buf der;
    pt_buf_init(&der);
    pt_cert_der(x, &der);
    pt_buf_put_u8(e, E_CERT);
    pt_buf_put_u16(e, (uint16_t)(der.len + 5));
    pt_buf_put_u8(e, 1);
    pt_buf_put_u16(e, (uint16_t)(der.len + 2));
    pt_buf_put_u8(e, 0);
    pt_buf_put_u8(e, 1); /* LSC */
    pt_buf_put(e, der.data, der.len);
    pt_buf_free(&der);
}

/* §6.8.3: a raw RSA signature (no DigestInfo) or ECDSA over data. */
static int check_sig(EVP_PKEY *pk, int hash, const uint8_t *data, size_t len, const uint8_t *sig, size_t slen)
{
    uint8_t dg[64];
    size_t dl;
    if (pt_digest(hash, data, len, dg, &dl))
        return 0;
    int ok = 0;
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
        uint8_t out[1024];
        size_t outlen = sizeof out;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
        if (ctx && EVP_PKEY_verify_recover_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
            EVP_PKEY_verify_recover(ctx, out, &outlen, sig, slen) > 0)
            /* the bare digest, or (also accepted) a DigestInfo ending in it */
            ok = (outlen == dl || (outlen > dl && outlen <= dl + 19)) && !memcmp(out + outlen - dl, dg, dl);
        EVP_PKEY_CTX_free(ctx);
    } else {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        ok = mctx && EVP_DigestVerifyInit(mctx, NULL, pt_hash_md(hash), NULL, pk) > 0 &&
             EVP_DigestVerify(mctx, sig, slen, data, len) == 1;
        EVP_MD_CTX_free(mctx);
    }
    ERR_clear_error();
    return ok;
}

/* Whether a certificate's CN names the device: an LSC's CN is the device
 * name (§7.3); a MIC's is "CP-<model>-SEP<MAC>" (as Cisco's MICs name the
 * phone, e.g. CN=CP-8845-SEP001122334455), or the device name itself. */
static int names_device(const char *cn, const char *device, int lsc)
{
    if (!strcmp(cn, device))
        return 1;
    if (lsc || strncmp(cn, "CP-", 3))
        return 0;
    size_t n = strlen(cn), dn = strlen(device), model = 0;
    if (n < 3 + 2 + dn || strcmp(cn + n - dn, device) || cn[n - dn - 1] != '-')
        return 0;
    for (size_t i = 3; i < n - dn - 1; i++, model++)
        if (!isalnum((unsigned char)cn[i]))
            return 0;
    return model >= 1 && model <= 16;
}

/* The CAPF-trust issuers (manufacturing CAs, other clusters' CAPFs), read
 * and decoded again only when the database changed (PRAGMA data_version: a
 * `set cert import` or `delete` by the administrator): a MIC check read and
 * decoded every trust entry, a tenth of an issuance's CPU in bulk
 * enrolment.  capf marks an issuer whose name says CAPF: what it issued is
 * an LSC (from another cluster), otherwise a MIC. */
typedef struct capf_trust {
    long long version;
    size_t n;
    X509 **ca;
    int *capf;
} capf_trust;

static void trust_free(capf_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        X509_free(t->ca[i]);
    free(t->ca);
    free(t->capf);
    free(t);
}

static const capf_trust *trusted_issuers(server *s)
{
    long long v = pt_cluster_data_version(s->cl);
    if (s->capf_trust && v >= 0 && s->capf_trust->version == v)
        return s->capf_trust;
    pt_trust_entry *e;
    size_t ne;
    capf_trust *t = calloc(1, sizeof *t);
    if (!t || pt_cluster_trust_list(s->cl, &e, &ne, NULL)) {
        free(t);
        return NULL; /* none trusted this time; read again at the next phone */
    }
    t->version = v;
    t->ca = calloc(ne ? ne : 1, sizeof *t->ca);
    t->capf = calloc(ne ? ne : 1, sizeof *t->capf);
    for (size_t i = 0; t->ca && t->capf && i < ne; i++) {
        if (strcmp(e[i].purpose, "CAPF-trust"))
            continue;
        char cn[128] = "";
        X509_NAME_get_text_by_NID(X509_get_subject_name(e[i].cert), NID_commonName, cn, sizeof cn);
        t->capf[t->n] = !strncmp(cn, "CAPF", 4);
        t->ca[t->n++] = e[i].cert;
        e[i].cert = NULL; /* now the cache's */
    }
    pt_trust_entries_free(e, ne);
    if (!t->ca || !t->capf) {
        trust_free(t);
        return NULL;
    }
    trust_free(s->capf_trust);
    s->capf_trust = t;
    return t;
}

/* The CA that issued cert: the CAPF itself (*lsc = 1) or a CAPF-trust entry
 * (*lsc = 1 when that entry is a CAPF: an LSC from another cluster), its
 * signature on cert checked; NULL if none.  Free with X509_free unless it
 * is capf. */
static X509 *issuer_of(capf_conn *c, X509 *cert, X509 *capf, int *lsc)
{
    X509 *issuer = NULL;
    *lsc = 0;
    if (X509_check_issued(capf, cert) == X509_V_OK) {
        issuer = capf;
        *lsc = 1;
    } else {
        const capf_trust *t = trusted_issuers(c->s);
        for (size_t i = 0; t && i < t->n && !issuer; i++)
            if (X509_check_issued(t->ca[i], cert) == X509_V_OK && X509_up_ref(t->ca[i])) {
                issuer = t->ca[i]; /* a reference, not a copy: X509_dup decodes its key again */
                *lsc = t->capf[i];
            }
    }
    EVP_PKEY *ik = issuer ? X509_get0_pubkey(issuer) : NULL;
    if (issuer && (!ik || X509_verify(cert, ik) != 1)) {
        if (issuer != capf)
            X509_free(issuer);
        issuer = NULL;
    }
    ERR_clear_error();
    return issuer;
}

/* §6.8.4: SUDI_DATA = (u8 type, u16 length, value) x 3: the DER SUDI
 * certificate, a SHA-1 and a SHA-512 signature (type 3) over the session id
 * (u32 little-endian) || that DER.  The certificate must come from the CAPF
 * or a CAPF-trust CA; RSA (raw digest) and EC SUDIs are both checked.
 * NULL when it holds, else why not (for the log). */
static const char *sudi_refused(capf_conn *c, pt_bytes sudi, X509 *capf)
{
    uint8_t type[3];
    pt_bytes item[3];
    if (pt_wire_capf_sudi(sudi, type, item))
        return "its SUDI_DATA is malformed";
    const uint8_t *val[3] = {item[0].p, item[1].p, item[2].p};
    size_t len[3] = {item[0].n, item[1].n, item[2].n};
    if (type[2] != PT_HASH_SHA512)
        return "its SUDI_DATA's second signature is not SHA-512";
    X509 *sc = pt_cert_from_der(val[0], len[0]);
    if (!sc)
        return "its SUDI certificate does not parse";
    int lsc;
    X509 *issuer = issuer_of(c, sc, capf, &lsc);
    const char *why = NULL;
    if (!issuer) {
        why = "its SUDI certificate is from an issuer not in CAPF-trust";
    } else {
        pt_buf data;
        pt_buf_init(&data);
        pt_buf_put_u8(&data, (uint8_t)c->sid);
        pt_buf_put_u8(&data, (uint8_t)(c->sid >> 8));
        pt_buf_put_u8(&data, (uint8_t)(c->sid >> 16));
        pt_buf_put_u8(&data, (uint8_t)(c->sid >> 24));
        pt_buf_put(&data, val[0], len[0]);
        EVP_PKEY *pk = X509_get0_pubkey(sc);
        if (pt_buf_error(&data) || !pk || !check_sig(pk, PT_HASH_SHA1, data.data, data.len, val[1], len[1]) ||
            !check_sig(pk, PT_HASH_SHA512, data.data, data.len, val[2], len[2]))
            why = "its SUDI signatures do not verify for this session";
        pt_buf_free(&data);
    }
    if (issuer && issuer != capf)
        X509_free(issuer);
    X509_free(sc);
    return why;
}

/* By existing certificate: issued by the CAPF (an LSC) or a CAPF-trust CA (a
 * MIC), naming this device, within its validity dates; signed auth data; a
 * SUDI, when the phone sends one, from a known issuer and signed for this
 * session. */
static int auth_by_cert(capf_conn *c, const msg *m, X509 *capf, const char **what)
{
    X509 *cert = unwrap(m->cert);
    *what = "Invalid Credentials";
    if (!cert || !m->signed1.n || m->sha2.n < 3)
        return 0;
    int ok = 0, lsc = 0;
    X509 *issuer = issuer_of(c, cert, capf, &lsc);
    *what = lsc ? "Invalid LSC" : "Invalid MIC";
    if (issuer) {
        char cn[64] = "";
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
        /* §6.8.3: a C implementation checks that the certificate belongs to the device, and its dates */
        int named = names_device(cn, c->device, lsc);
        int started = X509_cmp_current_time(X509_get0_notBefore(cert)) < 0;
        int ended = X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0;
        if (!named || !started || ended)
            srv_log(c->s, "CAPF %s %s: the %s %s", c->peer, c->device, lsc ? "LSC" : "MIC",
                    !named ? "names another device" : !started ? "is not valid yet" : "has expired");
        if (named && started && !ended) {
            pt_buf data;
            pt_buf_init(&data);
            pt_buf_put(&data, c->device, strlen(c->device));
            pt_buf_put_u8(&data, 0);
            pt_buf_put(&data, m->cert.p + 5, m->cert.n - 5);
            EVP_PKEY *pk = X509_get0_pubkey(cert);
            pt_reader r;
            pt_rd_init(&r, m->sha2.p, m->sha2.n);
            uint8_t code;
            uint16_t l;
            const uint8_t *sig2;
            ok = pk && !pt_rd_u8(&r, &code) && code == PT_HASH_SHA512 && !pt_rd_u16(&r, &l) &&
                 !pt_rd_bytes(&r, l, &sig2) && !pt_buf_error(&data) &&
                 check_sig(pk, PT_HASH_SHA1, data.data, data.len, m->signed1.p, m->signed1.n) &&
                 check_sig(pk, PT_HASH_SHA512, data.data, data.len, sig2, l);
            pt_buf_free(&data);
        }
    }
    const char *why = ok && m->sudi.n ? sudi_refused(c, m->sudi, capf) : NULL;
    if (why) {
        srv_log(c->s, "CAPF %s %s: %s", c->peer, c->device, why);
        *what = "Invalid Credentials";
        ok = 0;
    }
    ERR_clear_error();
    if (issuer && issuer != capf)
        X509_free(issuer);
    X509_free(cert);
    return ok;
}

static void start_operation(capf_conn *c)
{
    pt_buf e;
    pt_buf_init(&e);
    if (!strcmp(c->op.op, "install")) {
        if (!strncmp(c->op.key, "ec", 2)) {
            int bits = atoi(c->op.key + 2);
            pt_buf_put_tlv_u8(&e, E_KEY_TYPE, 1);
            pt_buf_put_tlv_u8(&e, E_CURVE, bits == 384 ? 1 : bits == 521 ? 2 : 0);
        } else {
            pt_buf_put_tlv_u16(&e, E_KEY_SIZE, (uint16_t)atoi(c->op.key + 3));
            pt_buf_put_tlv_u8(&e, E_KEY_TYPE, 0);
        }
        send_msg(c, C_KEYGEN_REQ, &e);
        c->state = ST_KEYGEN;
        struct timeval tv = {KEYGEN_TIMEOUT, 0};
        bufferevent_set_timeouts(c->bev, &tv, NULL);
    } else if (!strcmp(c->op.op, "fetch")) {
        send_msg(c, C_FETCH_REQ, NULL);
        c->state = ST_FETCH;
    } else {
        send_msg(c, C_DELETE_REQ, NULL);
        c->state = ST_DELETE;
    }
    pt_buf_free(&e);
}

static void on_auth(capf_conn *c, const msg *m)
{
    server *s = c->s;
    char dev[16];
    if (m->cmd != C_AUTH_RSP || m->version < 1 || m->version > PT_CAPF_VERSION || !m->device.n ||
        m->device.p[m->device.n - 1] != 0) {
        fail(c, "Invalid Credentials", "a malformed AUTH_RESPONSE");
        return;
    }
    if (!pt_device_name_valid((const char *)m->device.p, dev) ||
        pt_cluster_capf_get(s->cl, dev, &c->op, NULL) != PT_OK) {
        srv_log(s, "CAPF %s: unknown device %.*s", c->peer, (int)m->device.n - 1, m->device.p);
        end_session(c, R_UNKNOWN_DEVICE);
        return;
    }
    snprintf(c->device, sizeof c->device, "%s", dev);
    if (!strcmp(c->op.op, "none")) {
        srv_log(s, "CAPF %s %s: no operation scheduled", c->peer, dev);
        end_session(c, R_NO_ACTION);
        return;
    }
    if (time(NULL) > c->op.deadline) {
        fail(c, "User Initiated Request Late/Timedout", "past the Operation Completes By deadline");
        return;
    }
    const char *what = "Invalid Authentication String";
    int ok;
    if (!strcmp(c->op.auth, "null-string")) {
        ok = 1; /* an explicit, logged choice: anyone naming the device is served */
    } else if (!strcmp(c->op.auth, "auth-string")) {
        /* one guess per device per second, and five wrong ones end the operation */
        int too_soon = 0, failures = 0;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (pt_cluster_capf_attempt(s->cl, dev, now_ms, &too_soon, NULL) != PT_OK || too_soon) {
            srv_logl(s, LOG_WARNING, "CAPF %s %s: another authentication string within %d s: refused unchecked", c->peer, dev,
                    PT_CAPF_ATTEMPT_SPACING);
            end_session(c, R_INVALID);
            return;
        }
        ok = m->password.n >= 1 && strlen(c->op.password) == m->password.n - 1 &&
             !memcmp(c->op.password, m->password.p, m->password.n - 1);
        if (!ok && pt_cluster_capf_wrong(s->cl, dev, &failures, NULL) == PT_OK &&
            failures >= PT_CAPF_MAX_FAILURES) {
            char status[96];
            snprintf(status, sizeof status, "%s Failed: Invalid Authentication String (%d wrong: schedule again)",
                     op_word(c->op.op), failures);
            pt_cluster_capf_result(s->cl, dev, status, 1, NULL);
            srv_log(s, "CAPF %s %s: %d wrong authentication strings: the operation is ended", c->peer, dev, failures);
            end_session(c, R_INVALID);
            return;
        }
    } else {
        EVP_PKEY *k = NULL;
        X509 *capf = NULL;
        ok = pt_cluster_cert_key(s->cl, NULL, PT_CERT_CAPF, &k, &capf, NULL) == PT_OK &&
             auth_by_cert(c, m, capf, &what);
        EVP_PKEY_free(k);
        X509_free(capf);
    }
    srv_log(s, "CAPF %s %s: %s by %s: %s", c->peer, dev, c->op.op, c->op.auth, ok ? "authenticated" : "refused");
    if (!ok) {
        fail(c, what, "authentication failed");
        return;
    }
    start_operation(c);
}

static void on_keygen(capf_conn *c, const msg *m)
{
    server *s = c->s;
    if (m->cmd == C_IN_PROGRESS)
        return; /* the phone is still making its key */
    if (m->cmd != C_KEYGEN_RSP || !m->pubkey.n) {
        fail(c, "Key Generation Failed/Timeout", "no public key");
        return;
    }
    const unsigned char *p = m->pubkey.p;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)m->pubkey.n);
    int want_ec = !strncmp(c->op.key, "ec", 2), bits = atoi(c->op.key + (want_ec ? 2 : 3));
    if (!pub || (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) != want_ec ||
        (!want_ec && EVP_PKEY_get_bits(pub) != bits)) {
        EVP_PKEY_free(pub);
        ERR_clear_error();
        fail(c, "Key Generation Failed/Timeout", "the phone's key is not what was asked for");
        return;
    }
    EVP_PKEY *capf_key = NULL, *lsc_key = NULL;
    X509 *capf = NULL, *lsc = NULL;
    pt_cert_spec spec;
    pt_cert_spec_init(&spec);
    spec.profile = PT_PROFILE_LSC;
    spec.cn = c->device;
    spec.days = 365;
    spec.subject_key = pub;
    pt_diag d;
    int rc = pt_cluster_cert_key(s->cl, NULL, PT_CERT_CAPF, &capf_key, &capf, &d);
    if (!rc) {
        spec.issuer_key = capf_key;
        spec.issuer_cert = capf; /* §7.3: the issuer is the CAPF certificate's subject */
        rc = pt_cert_create(&spec, &lsc_key, &lsc, &d);
    }
    if (rc) {
        fail(c, "CA Communication Failure", d.msg);
    } else {
        pt_buf e;
        pt_buf_init(&e);
        pt_buf_put_tlv_u8(&e, E_CERT_TYPE, 1);
        wrap(&e, lsc);
        send_msg(c, C_STORE_REQ, &e);
        pt_buf_free(&e);
        c->state = ST_STORE;
        struct timeval tv = {s->o->io_timeout, 0};
        bufferevent_set_timeouts(c->bev, &tv, NULL);
        c->issued = lsc; /* recorded once the phone says it stored it */
        lsc = NULL;
    }
    EVP_PKEY_free(pub);
    EVP_PKEY_free(lsc_key);
    EVP_PKEY_free(capf_key);
    X509_free(capf);
    X509_free(lsc);
}

static void on_store(capf_conn *c, const msg *m)
{
    X509 *lsc = c->issued;
    c->issued = NULL;
    if (m->cmd != C_STORE_RSP) {
        X509_free(lsc);
        fail(c, "Phone Communication Failure", "unexpected message");
        return;
    }
    if (m->reason == R_UPDATE && lsc) {
        /* only now is the operation done (§6.9: not before the phone stored it) */
        if (pt_cluster_capf_finish(c->s->cl, c->device, 1, lsc, "Upgrade Success", NULL) == PT_OK)
            configs_later(c);
        srv_log(c->s, "CAPF %s %s: LSC installed%s", c->peer, c->device,
                !strcmp(c->op.auth, "null-string") ? " by null string: to whoever named the device, unproven" : "");
        end_session(c, R_UPDATE);
    } else {
        fail(c, "Phone Communication Failure", "the phone did not store the certificate");
    }
    X509_free(lsc);
}

static void on_fetch_or_delete(capf_conn *c, const msg *m)
{
    server *s = c->s;
    int fetch = c->state == ST_FETCH;
    if (m->cmd != (fetch ? C_FETCH_RSP : C_DELETE_RSP)) {
        fail(c, "Phone Communication Failure", "unexpected message");
        return;
    }
    if (fetch) {
        X509 *x = m->reason == R_UPDATE ? unwrap(m->cert) : NULL;
        if (pt_cluster_capf_finish(s->cl, c->device, x ? 1 : 0, x,
                                   x ? "Troubleshoot Success" : "Troubleshoot Failed: Invalid LSC", NULL) == PT_OK)
            configs_later(c);
        srv_log(s, "CAPF %s %s: fetch %s", c->peer, c->device, x ? "stored the phone's LSC" : "failed");
        X509_free(x);
        end_session(c, R_NO_ACTION);
    } else {
        int ok = m->reason == R_UPDATE;
        if (pt_cluster_capf_finish(s->cl, c->device, ok ? -1 : 0, NULL,
                                   ok ? "Delete Success" : "Delete Failed: Invalid LSC", NULL) == PT_OK)
            configs_later(c);
        srv_log(s, "CAPF %s %s: delete %s", c->peer, c->device, ok ? "done" : "failed");
        end_session(c, R_UPDATE);
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    capf_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (c->state != ST_DONE && evbuffer_get_length(in) >= CAPF_HDR) {
        uint8_t hdr[CAPF_HDR];
        evbuffer_copyout(in, hdr, CAPF_HDR);
        size_t len = ((size_t)hdr[6] << 8) | hdr[7];
        uint32_t hsid = ((uint32_t)hdr[2] << 24) | ((uint32_t)hdr[3] << 16) | ((uint32_t)hdr[4] << 8) | hdr[5];
        if (hdr[0] != PT_CAPF_PROTOCOL_ID || hsid != c->sid) {
            /* judged on the header alone: no waiting for a body that will not come */
            fail(c, "Phone Communication Failure", "not a CAPF message for this session");
            return;
        }
        if (evbuffer_get_length(in) < CAPF_HDR + len)
            return;
        uint8_t *body = malloc(len ? len : 1);
        evbuffer_drain(in, CAPF_HDR);
        evbuffer_remove(in, body, len);
        uint32_t sid = ((uint32_t)hdr[2] << 24) | ((uint32_t)hdr[3] << 16) | ((uint32_t)hdr[4] << 8) | hdr[5];
        msg m = {.cmd = hdr[1]};
        if (hdr[0] != PT_CAPF_PROTOCOL_ID || sid != c->sid || pt_wire_capf_elements(body, len, &m)) {
            free(body);
            fail(c, "Phone Communication Failure", "a malformed message");
            return;
        }
        switch (c->state) {
        case ST_AUTH: on_auth(c, &m); break;
        case ST_KEYGEN: on_keygen(c, &m); break;
        case ST_STORE: on_store(c, &m); break;
        default: on_fetch_or_delete(c, &m); break;
        }
        free(body);
    }
}

static void on_write(struct bufferevent *bev, void *arg)
{
    capf_conn *c = arg;
    if (c->state == ST_DONE && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    capf_conn *c = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        if (c->state != ST_DONE && c->device[0] && (what & BEV_EVENT_TIMEOUT))
            pt_cluster_capf_result(c->s->cl, c->device, c->state == ST_KEYGEN
                                                            ? "Upgrade Failed: Key Generation Failed/Timeout"
                                                            : "Operation Pending", 0, NULL);
        if (c->state != ST_DONE)
            srv_log(c->s, "CAPF %s %s: %s", c->peer, c->device[0] ? c->device : "-",
                    what & BEV_EVENT_TIMEOUT ? "timed out" : "connection closed");
        conn_free(c);
    }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
    (void)l, (void)salen;
    server *s = arg;
    char peer[64];
    if (!(s->self.services & PT_SVC_CAPF)) {
        /* deactivated (utils service deactivate): as if nothing listened */
        evutil_closesocket(fd);
        return;
    }
    struct bufferevent *bev = srv_tls_accept(s, SVC_CAPF, s->capf_ctx, fd, sa, peer, sizeof peer);
    if (!bev)
        return;
    capf_conn *c = calloc(1, sizeof *c);
    if (!c) {
        bufferevent_free(bev);
        srv_release(s, SVC_CAPF, peer);
        return;
    }
    c->s = s;
    c->bev = bev;
    /* chosen by the server, at random: a SUDI signature captured from one
     * session (it covers the session id) is worth nothing in the next */
    if (RAND_bytes((uint8_t *)&c->sid, sizeof c->sid) != 1 || c->sid == 0)
        c->sid = 1 + (uint32_t)++s->capf_sid;
    c->state = ST_AUTH;
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    c->next = s->capf_conns;
    if (s->capf_conns)
        s->capf_conns->prev = c;
    s->capf_conns = c;
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    /* the server speaks first: AUTH_REQUEST {VERSION 3, AUTH_TYPE 0} */
    pt_buf e;
    pt_buf_init(&e);
    pt_buf_put_tlv_u8(&e, E_VERSION, PT_CAPF_VERSION);
    pt_buf_put_tlv_u8(&e, E_AUTH_TYPE, 0);
    send_msg(c, C_AUTH_REQ, &e);
    pt_buf_free(&e);
}

int capf_reload(server *s, pt_diag *d)
{
    if (!s->capf_listener && !s->capf_ctx)
        return PT_OK; /* CAPF not running here */
    SSL_CTX *ctx;
    int rc = srv_tls_ctx(s, NULL, PT_CERT_CAPF, "CAPF", &ctx, d);
    if (rc)
        return rc;
    if (s->capf_ctx)
        SSL_CTX_free(s->capf_ctx); /* open connections hold their own reference */
    s->capf_ctx = ctx;
    return PT_OK;
}

int capf_start(server *s, pt_diag *d)
{
    int rc = srv_tls_ctx(s, NULL, PT_CERT_CAPF, "CAPF", &s->capf_ctx, d);
    if (rc)
        return rc;
    if (!(s->capf_done_ev = evtimer_new(s->base, configs_now, s)))
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    rc = srv_listen(s, s->o->capf_port, on_accept, s, &s->capf_listener, d);
    if (rc)
        return pt_diag_prefix(d, rc, "CAPF");
    return PT_OK;
}

void capf_stop(server *s)
{
    while (s->capf_conns)
        conn_free(s->capf_conns);
    configs_now(-1, 0, s); /* those gathered are written before serve ends */
    if (s->capf_done_ev)
        event_free(s->capf_done_ev);
    free(s->capf_done);
    s->capf_done_ev = NULL;
    s->capf_done = NULL;
    s->capf_done_n = s->capf_done_cap = 0;
    if (s->capf_listener)
        evconnlistener_free(s->capf_listener);
    if (s->capf_ctx)
        SSL_CTX_free(s->capf_ctx);
    s->capf_listener = NULL;
    s->capf_ctx = NULL;
    trust_free(s->capf_trust);
    s->capf_trust = NULL;
}
