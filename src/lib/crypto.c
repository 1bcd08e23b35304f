/*
 * crypto.c - hash codes, DN strings, certificate items, PEM loading and
 * the software-key signer (see crypto.h).
 */
#include "phonetrust/crypto.h"
#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"

#include <openssl/bio.h>
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
            pt_buf_put(b, "\\00", 3);
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
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    if (!pk)
        return PT_ERR_KEY;
    unsigned char *der = NULL;
    int n = i2d_PublicKey(pk, &der);
    if (n <= 0) {
        ERR_clear_error();
        return PT_ERR_KEY;
    }
    pt_buf_put(out, der, (size_t)n);
    OPENSSL_free(der);
    return pt_buf_error(out);
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

static int key_sign_digest(void *ctx, int hash, const uint8_t *digest, size_t digest_len,
                           uint8_t *sig, size_t *sig_len, pt_diag *d)
{
    EVP_PKEY *key = ctx;
    const EVP_MD *md = pt_hash_md(hash);
    int rc = PT_ERR_CRYPTO;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (md && pctx && EVP_PKEY_sign_init(pctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_CTX_set_signature_md(pctx, md) > 0 &&
        EVP_PKEY_sign(pctx, sig, sig_len, digest, digest_len) > 0)
        rc = PT_OK;
    if (rc) {
        char why[200];
        openssl_reason(why, sizeof why);
        pt_diag_set(d, rc, PT_NO_OFFSET, "signing with %s failed (%s)", pt_hash_name(hash), why);
    }
    EVP_PKEY_CTX_free(pctx);
    return rc;
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
    s->sign_digest = key_sign_digest;
    s->ctx = key;
    s->cert = cert;
    s->sig_len = (size_t)EVP_PKEY_get_size(key);
    return PT_OK;
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
