/*
 * crypto.c - hash codes, DN strings, certificate items, PEM loading and
 * the software-key signer (see crypto.h).
 */
#include "phonetrust/crypto.h"
#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const EVP_MD *pt_hash_md(int hash)
{
    switch (hash) {
    case PT_HASH_SHA1: return EVP_sha1();
    case PT_HASH_SHA256: return EVP_sha256();
    case PT_HASH_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

size_t pt_hash_len(int hash)
{
    switch (hash) {
    case PT_HASH_SHA1: return 20;
    case PT_HASH_SHA256: return 32;
    case PT_HASH_SHA512: return 64;
    default: return 0;
    }
}

const char *pt_hash_name(int hash)
{
    switch (hash) {
    case PT_HASH_SHA1: return "SHA1";
    case PT_HASH_SHA256: return "SHA256";
    case PT_HASH_SHA512: return "SHA512";
    default: return "?";
    }
}

int pt_hash_from_name(const char *name)
{
    if (!strcasecmp(name, "sha1") || !strcasecmp(name, "sha-1"))
        return PT_HASH_SHA1;
    if (!strcasecmp(name, "sha256") || !strcasecmp(name, "sha-256"))
        return PT_HASH_SHA256;
    if (!strcasecmp(name, "sha512") || !strcasecmp(name, "sha-512"))
        return PT_HASH_SHA512;
    return -1;
}

int pt_digest(int hash, const void *data, size_t len, uint8_t *out, size_t *outlen)
{
    const EVP_MD *md = pt_hash_md(hash);
    unsigned int n = 0;
    if (!md)
        return PT_ERR_UNSUPPORTED;
    if (!EVP_Digest(data, len, out, &n, md, NULL))
        return PT_ERR_CRYPTO;
    *outlen = n;
    return PT_OK;
}

char *pt_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

void pt_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

/* ---- PEM loading ---- */

static void openssl_reason(char *out, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    if (e)
        ERR_error_string_n(e, out, n);
    else
        snprintf(out, n, "no PEM data");
    ERR_clear_error();
}

int pt_pem_load_mem(const uint8_t *pem, size_t len, const char *what,
                    EVP_PKEY **key, X509 **cert, pt_diag *d)
{
    char why[200];
    if (key)
        *key = NULL;
    if (cert)
        *cert = NULL;
    if (len > INT32_MAX)
        return pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET, "%s: too large", what);
    if (key) {
        BIO *bio = BIO_new_mem_buf(pem, (int)len);
        if (!bio)
            return PT_ERR_NOMEM;
        *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!*key) {
            openssl_reason(why, sizeof why);
            return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                               "%s: no usable private key (%s)", what, why);
        }
    }
    if (cert) {
        BIO *bio = BIO_new_mem_buf(pem, (int)len);
        if (!bio) {
            if (key) {
                EVP_PKEY_free(*key);
                *key = NULL;
            }
            return PT_ERR_NOMEM;
        }
        *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!*cert && !key)
            *cert = pt_cert_from_der(pem, len); /* a .cer in DER, as certificates are often exported */
        if (!*cert) {
            openssl_reason(why, sizeof why);
            if (key) {
                EVP_PKEY_free(*key);
                *key = NULL;
            }
            return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                               "%s: no certificate (%s)", what, why);
        }
    }
    ERR_clear_error();
    return PT_OK;
}

int pt_pem_load(const char *path, EVP_PKEY **key, X509 **cert, pt_diag *d)
{
    uint8_t *data;
    size_t len;
    int rc = pt_file_read(path, &data, &len, 1024 * 1024, d);
    if (rc)
        return pt_diag_prefix(d, rc, "%s", path);
    rc = pt_pem_load_mem(data, len, path, key, cert, d);
    pt_wipe(data, len);
    free(data);
    return rc;
}

X509 *pt_cert_from_der(const uint8_t *der, size_t len)
{
    if (len > INT32_MAX)
        return NULL;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x && p != der + len) {  /* trailing bytes: not exactly one certificate */
        X509_free(x);
        x = NULL;
    }
    ERR_clear_error();
    return x;
}

/* ---- §1.6 names ---- */

static const char *short_name(int nid)
{
    switch (nid) {
    case NID_commonName: return "CN";
    case NID_organizationName: return "O";
    case NID_organizationalUnitName: return "OU";
    case NID_localityName: return "L";
    case NID_stateOrProvinceName: return "ST";
    case NID_countryName: return "C";
    case NID_streetAddress: return "STREET";
    case NID_domainComponent: return "DC";
    case NID_userId: return "UID";
    default: return NULL;
    }
}

/* RFC 4514 value escaping, as §1.6 describes. */
static void put_escaped(pt_buf *b, const unsigned char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v[i];
        if (c == 0) {
            pt_buf_put_lit(b, "\\00");
            continue;
        }
        int esc = c == '\\' || c == '"' || c == '+' || c == ',' || c == ';' ||
                  c == '<' || c == '>' ||
                  (i == 0 && (c == '#' || c == ' ')) ||
                  (i == n - 1 && c == ' ');
        if (esc)
            pt_buf_put_u8(b, '\\');
        pt_buf_put_u8(b, c);
    }
}

char *pt_name_string(const X509_NAME *name, char sep)
{
    pt_buf b;
    pt_buf_init(&b);
    int count = X509_NAME_entry_count(name);
    for (int i = 0; i < count; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
        const char *sn = short_name(OBJ_obj2nid(obj));
        char oid[128];
        if (!sn) {
            OBJ_obj2txt(oid, sizeof oid, obj, 1);
            sn = oid;
        }
        if (i)
            pt_buf_put_u8(&b, (uint8_t)sep);
        pt_buf_put(&b, sn, strlen(sn));
        pt_buf_put_u8(&b, '=');
        unsigned char *utf8 = NULL;
        int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        if (n < 0) {
            ERR_clear_error();
            pt_buf_free(&b);
            return NULL;
        }
        put_escaped(&b, utf8, (size_t)n);
        OPENSSL_free(utf8);
    }
    pt_buf_put_u8(&b, 0);
    if (pt_buf_error(&b)) {
        pt_buf_free(&b);
        return NULL;
    }
    return (char *)pt_buf_take(&b, NULL);
}

/* ---- certificate items ---- */

int pt_cert_serial(const X509 *cert, uint8_t *out, size_t *len)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    if (!bn)
        return PT_ERR_KEY;
    int n = BN_num_bytes(bn);
    if (n > 64) {
        BN_free(bn);
        return PT_ERR_KEY;
    }
    BN_bn2bin(bn, out);
    *len = (size_t)n;
    BN_free(bn);
    return PT_OK;
}

int pt_cert_pubkey_bytes(const X509 *cert, pt_buf *out)
{
    /* The subjectPublicKey BIT STRING already holds exactly the record's
     * form: DER RSAPublicKey, or the EC point. */
    const unsigned char *pk = NULL;
    int pklen = 0;
    X509_PUBKEY *xpk = X509_get_X509_PUBKEY(cert);
    if (xpk && X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk) == 1 && pk && pklen > 0 &&
        pk[0] != 0x02 && pk[0] != 0x03) { /* not a compressed EC point */
        pt_buf_put(out, pk, (size_t)pklen);
        return pt_buf_error(out);
    }
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (!key)
        return PT_ERR_KEY;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        /* §2.2: EC points are written uncompressed */
        unsigned char point[256];
        size_t n = 0;
        if (EVP_PKEY_set_utf8_string_param(key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed") != 1 ||
            EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &n) != 1) {
            ERR_clear_error();
            return PT_ERR_KEY;
        }
        pt_buf_put(out, point, n);
        return pt_buf_error(out);
    }
    return PT_ERR_KEY;
}

/* ---- a minimal DER walk to the subjectPublicKeyInfo ---- */

/* Reads one DER TLV header: tag byte and definite length. */
static int der_head(pt_reader *r, uint8_t *tag, size_t *len)
{
    uint8_t t, b;
    if (pt_rd_u8(r, &t) || pt_rd_u8(r, &b))
        return PT_ERR_TRUNCATED;
    size_t n = b;
    if (b & 0x80) {
        int k = b & 0x7f;
        if (k == 0 || k > 4)
            return PT_ERR_FORMAT; /* indefinite or absurd length */
        n = 0;
        for (int i = 0; i < k; i++) {
            if (pt_rd_u8(r, &b))
                return PT_ERR_TRUNCATED;
            n = (n << 8) | b;
        }
    }
    if (pt_rd_left(r) < n)
        return PT_ERR_TRUNCATED;
    *tag = t;
    *len = n;
    return PT_OK;
}

/* Enters the next element, which must have tag want: child covers its value. */
static int der_enter(pt_reader *r, uint8_t want, pt_reader *child)
{
    uint8_t tag;
    size_t len;
    int rc = der_head(r, &tag, &len);
    if (rc)
        return rc;
    if (tag != want)
        return PT_ERR_FORMAT;
    return pt_rd_child(r, len, child);
}

static int der_skip(pt_reader *r, uint8_t want)
{
    pt_reader skip;
    return der_enter(r, want, &skip);
}

/* An unsigned INTEGER's magnitude, without the sign byte. */
static int der_uint(pt_reader *r, const uint8_t **p, size_t *n)
{
    pt_reader v;
    int rc = der_enter(r, 0x02, &v);
    if (rc)
        return rc;
    *n = pt_rd_left(&v);
    if (*n == 0 || pt_rd_bytes(&v, *n, p))
        return PT_ERR_FORMAT;
    if ((*p)[0] & 0x80)
        return PT_ERR_FORMAT; /* negative */
    while (*n > 1 && (*p)[0] == 0) {
        (*p)++;
        (*n)--;
    }
    return PT_OK;
}

int pt_der_is_certificate(const uint8_t *der, size_t len)
{
    pt_reader file, cert;
    pt_rd_init(&file, der, len);
    return der_enter(&file, 0x30, &cert) == PT_OK && pt_rd_eof(&file) && der_skip(&cert, 0x30) == PT_OK &&
           der_skip(&cert, 0x30) == PT_OK && der_skip(&cert, 0x03) == PT_OK && pt_rd_eof(&cert);
}

int pt_cert_der_rsa_pubkey(const uint8_t *der, size_t len, EVP_PKEY **out, pt_diag *d)
{
    static const uint8_t rsa_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
    *out = NULL;
    pt_reader file, certr, tbs, spki, alg, oid, bits, rsa;
    pt_rd_init(&file, der, len);
    int rc = der_enter(&file, 0x30, &certr);
    if (!rc && !pt_rd_eof(&file))
        rc = PT_ERR_FORMAT; /* trailing bytes */
    if (!rc)
        rc = der_enter(&certr, 0x30, &tbs);
    /* Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signatureValue } */
    if (!rc && !(rc = der_skip(&certr, 0x30)) && !(rc = der_skip(&certr, 0x03)) && !pt_rd_eof(&certr))
        rc = PT_ERR_FORMAT;
    uint8_t first = 0;
    if (!rc && !pt_rd_peek_u8(&tbs, &first) && first == 0xa0)
        rc = der_skip(&tbs, 0xa0);                  /* [0] version */
    if (!rc)
        rc = der_skip(&tbs, 0x02);                  /* serialNumber */
    if (!rc)
        rc = der_skip(&tbs, 0x30);                  /* signature */
    if (!rc)
        rc = der_skip(&tbs, 0x30);                  /* issuer */
    if (!rc)
        rc = der_skip(&tbs, 0x30);                  /* validity */
    if (!rc)
        rc = der_skip(&tbs, 0x30);                  /* subject */
    if (!rc)
        rc = der_enter(&tbs, 0x30, &spki);          /* subjectPublicKeyInfo */
    if (!rc)
        rc = der_enter(&spki, 0x30, &alg);
    if (!rc)
        rc = der_enter(&alg, 0x06, &oid);
    if (rc)
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "the certificate is not well-formed DER");
    if (pt_rd_left(&oid) != sizeof rsa_oid || memcmp(oid.data + oid.pos, rsa_oid, sizeof rsa_oid))
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "the certificate's key is not RSA");
    uint8_t unused;
    const uint8_t *n, *e;
    size_t nlen, elen;
    rc = der_enter(&spki, 0x03, &bits);
    if (!rc && (pt_rd_u8(&bits, &unused) || unused != 0))
        rc = PT_ERR_FORMAT;
    if (!rc)
        rc = der_enter(&bits, 0x30, &rsa);
    if (!rc)
        rc = der_uint(&rsa, &n, &nlen);
    if (!rc)
        rc = der_uint(&rsa, &e, &elen);
    if (!rc && (!pt_rd_eof(&rsa) || nlen > 1024 || elen > 64))
        rc = PT_ERR_FORMAT;
    if (rc)
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "the certificate's RSA public key is malformed");

    BIGNUM *bn_n = BN_bin2bn(n, (int)nlen, NULL), *bn_e = BN_bin2bn(e, (int)elen, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    int ok = bn_n && bn_e && bld && ctx &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) &&
             (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
             EVP_PKEY_fromdata_init(ctx) > 0 &&
             EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) > 0;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    ERR_clear_error();
    if (!ok) {
        EVP_PKEY_free(*out);
        *out = NULL;
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "the certificate's RSA public key is unusable");
    }
    return PT_OK;
}

int pt_cert_signature_bytes(const X509 *cert, const uint8_t **p, size_t *n)
{
    const ASN1_BIT_STRING *sig = NULL;
    X509_get0_signature(&sig, NULL, cert);
    if (!sig)
        return PT_ERR_KEY;
    *p = ASN1_STRING_get0_data(sig);
    *n = (size_t)ASN1_STRING_length(sig);
    return PT_OK;
}

int pt_cert_der(const X509 *cert, pt_buf *out)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    if (n <= 0)
        return PT_ERR_KEY;
    pt_buf_put(out, der, (size_t)n);
    OPENSSL_free(der);
    return pt_buf_error(out);
}

int pt_cert_digest(const X509 *cert, int hash, uint8_t *out, size_t *outlen)
{
    pt_buf der;
    pt_buf_init(&der);
    int rc = pt_cert_der(cert, &der);
    if (!rc)
        rc = pt_digest(hash, der.data, der.len, out, outlen);
    pt_buf_free(&der);
    return rc;
}

int pt_cert_is_rsa(const X509 *cert)
{
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    return pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA;
}

/* ---- signing ---- */

/* The software signer keeps one initialised signing context per hash. */
typedef struct key_signer {
    EVP_PKEY *key;
    EVP_PKEY_CTX *ctx[PT_HASH_SHA512 + 1];
} key_signer;

static int key_sign_digest(void *vctx, int hash, const uint8_t *digest, size_t digest_len,
                           uint8_t *sig, size_t *sig_len, pt_diag *d)
{
    key_signer *ks = vctx;
    const EVP_MD *md = pt_hash_md(hash);
    if (!md)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown hash code %d", hash);
    EVP_PKEY_CTX *pctx = ks->ctx[hash];
    if (!pctx) {
        pctx = EVP_PKEY_CTX_new_from_pkey(NULL, ks->key, NULL);
        if (pctx && (EVP_PKEY_sign_init(pctx) <= 0 ||
                     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
                     EVP_PKEY_CTX_set_signature_md(pctx, md) <= 0)) {
            EVP_PKEY_CTX_free(pctx);
            pctx = NULL;
        }
        ks->ctx[hash] = pctx;
    }
    if (!pctx || EVP_PKEY_sign(pctx, sig, sig_len, digest, digest_len) <= 0) {
        char why[200];
        openssl_reason(why, sizeof why);
        return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "signing with %s failed (%s)",
                           pt_hash_name(hash), why);
    }
    return PT_OK;
}

static void key_signer_free(void *vctx)
{
    key_signer *ks = vctx;
    if (!ks)
        return;
    for (int h = 0; h <= PT_HASH_SHA512; h++)
        EVP_PKEY_CTX_free(ks->ctx[h]);
    free(ks);
}

int pt_signer_init_key(pt_signer *s, EVP_PKEY *key, X509 *cert, pt_diag *d)
{
    memset(s, 0, sizeof *s);
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                           "the signing key is not RSA (signed files need an RSA signer)");
    if (X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                           "the private key does not match the certificate");
    }
    key_signer *ks = calloc(1, sizeof *ks);
    if (!ks)
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    ks->key = key;
    s->sign_digest = key_sign_digest;
    s->ctx = ks;
    s->free_ctx = key_signer_free;
    s->cert = cert;
    s->sig_len = (size_t)EVP_PKEY_get_size(key);
    return PT_OK;
}

void pt_signer_free(pt_signer *s)
{
    if (s && s->free_ctx)
        s->free_ctx(s->ctx);
    if (s)
        memset(s, 0, sizeof *s);
}

int pt_verify_digest(EVP_PKEY *pub, int hash, const uint8_t *digest, size_t digest_len,
                     const uint8_t *sig, size_t sig_len)
{
    const EVP_MD *md = pt_hash_md(hash);
    int ok = 0;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    if (md && pctx && EVP_PKEY_verify_init(pctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_CTX_set_signature_md(pctx, md) > 0)
        ok = EVP_PKEY_verify(pctx, sig, sig_len, digest, digest_len) == 1;
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    return ok ? PT_OK : PT_ERR_SIGNATURE;
}

/* ---- the verification key cache ---- */

typedef struct keycache_entry {
    uint8_t *der;
    size_t der_len;
    EVP_PKEY *key;
    EVP_PKEY_CTX *ctx[PT_HASH_SHA512 + 1]; /* verify contexts, one per hash code */
} keycache_entry;

struct pt_keycache {
    keycache_entry *e;
    size_t cap, used, next;
};

pt_keycache *pt_keycache_new(size_t capacity)
{
    pt_keycache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap = capacity ? capacity : 16;
    c->e = calloc(c->cap, sizeof *c->e);
    if (!c->e) {
        free(c);
        return NULL;
    }
    return c;
}

static void entry_clear(keycache_entry *e)
{
    free(e->der);
    EVP_PKEY_free(e->key);
    for (int h = 0; h <= PT_HASH_SHA512; h++)
        EVP_PKEY_CTX_free(e->ctx[h]);
    memset(e, 0, sizeof *e);
}

void pt_keycache_free(pt_keycache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->used; i++)
        entry_clear(&c->e[i]);
    free(c->e);
    free(c);
}

static EVP_PKEY_CTX *verify_ctx(EVP_PKEY *key, int hash)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx && EVP_PKEY_verify_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_CTX_set_signature_md(ctx, pt_hash_md(hash)) > 0)
        return ctx;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return NULL;
}

static int verify_with(EVP_PKEY *key, EVP_PKEY_CTX *ctx, int hash, const uint8_t *digest,
                       size_t digest_len, const uint8_t *sig, size_t sig_len, pt_diag *d)
{
    size_t keylen = (size_t)EVP_PKEY_get_size(key);
    if (sig_len != keylen)
        return pt_diag_set(d, PT_ERR_SIGNATURE, PT_NO_OFFSET,
                           "the signature is %zu bytes but the signer's key is %zu bytes (RSA-%zu)",
                           sig_len, keylen, keylen * 8);
    int ok = ctx && EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len) == 1;
    ERR_clear_error();
    if (!ok)
        return pt_diag_set(d, PT_ERR_SIGNATURE, PT_NO_OFFSET, "the %s signature does not match the file",
                           pt_hash_name(hash));
    return PT_OK;
}

int pt_verify_digest_der(pt_keycache *c, const uint8_t *der, size_t der_len, int hash,
                         const uint8_t *digest, size_t digest_len,
                         const uint8_t *sig, size_t sig_len, pt_diag *d)
{
    if (!pt_hash_md(hash))
        return pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET, "unknown hash code %d", hash);
    if (c) {
        for (size_t i = 0; i < c->used; i++) {
            keycache_entry *e = &c->e[i];
            if (e->der_len == der_len && memcmp(e->der, der, der_len) == 0) {
                if (!e->ctx[hash])
                    e->ctx[hash] = verify_ctx(e->key, hash);
                return verify_with(e->key, e->ctx[hash], hash, digest, digest_len, sig, sig_len, d);
            }
        }
    }
    EVP_PKEY *key;
    int rc = pt_cert_der_rsa_pubkey(der, der_len, &key, d);
    if (rc)
        return rc;
    EVP_PKEY_CTX *ctx = verify_ctx(key, hash);
    rc = verify_with(key, ctx, hash, digest, digest_len, sig, sig_len, d);
    uint8_t *copy = c ? malloc(der_len) : NULL;
    if (copy) {
        keycache_entry *e = &c->e[c->used < c->cap ? c->used++ : c->next++ % c->cap];
        entry_clear(e);
        memcpy(copy, der, der_len);
        e->der = copy;
        e->der_len = der_len;
        e->key = key;
        e->ctx[hash] = ctx;
    } else {
        EVP_PKEY_CTX_free(ctx);
        EVP_PKEY_free(key);
    }
    return rc;
}
