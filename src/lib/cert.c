/*
 * cert.c - certificate profiles of §7 (see cert.h).
 */
#include "phonetrust/cert.h"
#include "phonetrust/constants.h"

#include <ctype.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <string.h>

void pt_cert_spec_init(pt_cert_spec *s)
{
    memset(s, 0, sizeof *s);
    s->profile = PT_PROFILE_SERVER;
    s->key_type = PT_KEY_RSA;
    s->rsa_bits = 2048;
    s->curve = "prime256v1";
    s->years = 10;
    s->digest = PT_HASH_SHA256;
}

static const char *openssl_curve(const char *c)
{
    if (!strcmp(c, "secp256r1") || !strcmp(c, "P-256") || !strcmp(c, "p256"))
        return "prime256v1";
    if (!strcmp(c, "P-384") || !strcmp(c, "p384"))
        return "secp384r1";
    if (!strcmp(c, "P-521") || !strcmp(c, "p521"))
        return "secp521r1";
    return c;
}

int pt_key_generate(int type, int bits, const char *curve, EVP_PKEY **out, pt_diag *d)
{
    *out = NULL;
    if (type == PT_KEY_RSA) {
        if (bits < 512 || bits > 8192)
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "RSA key size %d is out of range (512-8192)", bits);
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    } else {
        const char *c = openssl_curve(curve ? curve : "prime256v1");
        if (strcmp(c, "prime256v1") && strcmp(c, "secp384r1") && strcmp(c, "secp521r1"))
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                               "curve %s is not one phones use (secp256r1, secp384r1, secp521r1)", curve);
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c);
    }
    ERR_clear_error();
    if (!*out)
        return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "key generation failed");
    return PT_OK;
}

static int add_entry(X509_NAME *n, const char *field, const char *v)
{
    if (!v || !*v)
        return 1;
    return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)v, -1, -1, 0);
}

static X509_NAME *build_subject(const pt_cert_spec *s)
{
    X509_NAME *n = X509_NAME_new();
    if (!n)
        return NULL;
    int ok = add_entry(n, "CN", s->cn);
    if (s->profile == PT_PROFILE_LSC && s->issuer_cert) {
        /* §7.3: the issuer subject's attributes other than CN, in its order */
        const X509_NAME *is = X509_get_subject_name(s->issuer_cert);
        for (int i = 0; ok && i < X509_NAME_entry_count(is); i++) {
            const X509_NAME_ENTRY *e = X509_NAME_get_entry(is, i);
            if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName)
                continue;
            ok = X509_NAME_add_entry(n, e, -1, 0);
        }
    } else if (s->cucm_order) {
        ok = ok && add_entry(n, "OU", s->ou) && add_entry(n, "O", s->o);
    } else {
        ok = ok && add_entry(n, "O", s->o) && add_entry(n, "OU", s->ou);
    }
    if (!(s->profile == PT_PROFILE_LSC && s->issuer_cert))
        ok = ok && add_entry(n, "L", s->l) && add_entry(n, "ST", s->st) && add_entry(n, "C", s->c);
    if (!ok) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return 0;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static int add_san(X509 *x, int type, const char *value, int lower)
{
    char buf[256];
    size_t n = strlen(value);
    if (n >= sizeof buf)
        return 0;
    for (size_t i = 0; i <= n; i++)
        buf[i] = lower ? (char)tolower((unsigned char)value[i]) : value[i];
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    int ok = gens && gn && ia5 && ASN1_STRING_set(ia5, buf, (int)n);
    if (ok) {
        GENERAL_NAME_set0_value(gn, type, ia5);
        ia5 = NULL;
        ok = sk_GENERAL_NAME_push(gens, gn) > 0;
        if (ok)
            gn = NULL;
    }
    ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
    ASN1_IA5STRING_free(ia5);
    GENERAL_NAME_free(gn);
    GENERAL_NAMES_free(gens);
    return ok;
}

static int set_validity(X509 *x, const pt_cert_spec *s)
{
    time_t now = s->now ? s->now : time(NULL);
    time_t from, to;
    if (s->days > 0) {
        from = now;
        to = now + (time_t)s->days * 86400;
    } else {
        struct tm tm;
        gmtime_r(&now, &tm);
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        from = timegm(&tm);
        tm.tm_year += s->years > 0 ? s->years : 10;
        to = timegm(&tm);
    }
    return ASN1_TIME_set(X509_getm_notBefore(x), from) && ASN1_TIME_set(X509_getm_notAfter(x), to);
}

static int random_serial(X509 *x)
{
    uint8_t r[16];
    if (RAND_bytes(r, sizeof r) != 1)
        return 0;
    BIGNUM *bn = BN_bin2bn(r, sizeof r, NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

int pt_cert_create(const pt_cert_spec *s, EVP_PKEY **key_out, X509 **cert_out, pt_diag *d)
{
    *key_out = NULL;
    *cert_out = NULL;
    if (!s->cn || !*s->cn)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "a common name (CN) is required");
    if ((s->profile == PT_PROFILE_LEAF || s->profile == PT_PROFILE_LSC) && (!s->issuer_key || !s->issuer_cert))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "this profile needs an issuer key and certificate");
    const EVP_MD *md = pt_hash_md(s->digest ? s->digest : PT_HASH_SHA256);
    if (!md)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown certificate digest");

    EVP_PKEY *key = s->subject_key;
    int rc;
    if (key) {
        EVP_PKEY_up_ref(key);
    } else if ((rc = pt_key_generate(s->key_type, s->rsa_bits, s->curve, &key, d))) {
        return rc;
    }
    X509 *x = X509_new();
    X509_NAME *subject = build_subject(s);
    X509 *issuer = s->issuer_cert ? s->issuer_cert : x;
    EVP_PKEY *signing = s->issuer_key ? s->issuer_key : key;
    int ok = x && subject && X509_set_version(x, X509_VERSION_3) && random_serial(x) &&
             X509_set_subject_name(x, subject) &&
             X509_set_issuer_name(x, s->issuer_cert ? X509_get_subject_name(s->issuer_cert) : subject) &&
             set_validity(x, s) && X509_set_pubkey(x, key);
    if (ok) {
        switch (s->profile) {
        case PT_PROFILE_SERVER:
            ok = add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
                 add_ext(x, issuer, NID_key_usage,
                         "digitalSignature,keyEncipherment,dataEncipherment,keyCertSign,cRLSign") &&
                 add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth,ipsecEndSystem") &&
                 add_ext(x, issuer, NID_subject_key_identifier, "hash") &&
                 add_san(x, GEN_DNS, s->cn, 1);
            break;
        case PT_PROFILE_CA:
            ok = add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE") &&
                 add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
                 add_ext(x, issuer, NID_subject_key_identifier, "hash");
            break;
        case PT_PROFILE_LEAF:
            ok = add_ext(x, issuer, NID_basic_constraints, "CA:FALSE") &&
                 add_ext(x, issuer, NID_key_usage, "digitalSignature,keyEncipherment,dataEncipherment") &&
                 add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth") &&
                 add_ext(x, issuer, NID_subject_key_identifier, "hash");
            break;
        case PT_PROFILE_LSC:
            ok = add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
                 add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
                 add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth,ipsecEndSystem") &&
                 add_san(x, GEN_URI, s->cn, 0);
            break;
        default:
            ok = 0;
        }
    }
    ok = ok && X509_sign(x, signing, md) > 0;
    X509_NAME_free(subject);
    if (!ok) {
        char why[200] = "unknown reason";
        unsigned long e = ERR_peek_last_error();
        if (e)
            ERR_error_string_n(e, why, sizeof why);
        ERR_clear_error();
        X509_free(x);
        EVP_PKEY_free(key);
        return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot create the certificate (%s)", why);
    }
    *key_out = key;
    *cert_out = x;
    return PT_OK;
}

int pt_pem_write(pt_buf *out, EVP_PKEY *key, X509 *cert)
{
    out->secret = 1;
    BIO *bio = BIO_new(BIO_s_secmem());
    if (!bio)
        return PT_ERR_NOMEM;
    int ok = 1;
    if (key) {
        if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
            ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL);
        else
            ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    }
    ok = ok && (!cert || PEM_write_bio_X509(bio, cert));
    if (ok) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        pt_buf_put(out, p, (size_t)n);
    }
    BIO_free(bio);
    ERR_clear_error();
    return ok ? pt_buf_error(out) : PT_ERR_CRYPTO;
}
