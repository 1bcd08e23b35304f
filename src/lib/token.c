/*
 * token.c - PKCS#11 tokens (see token.h), with the p11-kit headers.
 */
#include "phonetrust/token.h"
#include "phonetrust/constants.h"

#include <dlfcn.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>
#include <stdlib.h>
#include <string.h>

struct pt_p11 {
    void *lib;
    CK_FUNCTION_LIST_PTR f;
    int initialized_here;
};

struct pt_token {
    pt_p11 *m;
    CK_SESSION_HANDLE session;
    CK_OBJECT_HANDLE key;
    X509 *cert;
    char label[33];
};

int pt_p11_load(const char *module_path, pt_p11 **out, pt_diag *d)
{
    *out = NULL;
    void *lib = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot load the PKCS#11 module %s: %s", module_path, dlerror());
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR f = NULL;
    if (!get || get(&f) != CKR_OK || !f) {
        dlclose(lib);
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s is not a PKCS#11 module", module_path);
    }
    CK_RV rv = f->C_Initialize(NULL);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        dlclose(lib);
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: C_Initialize failed (0x%lx)", module_path, (unsigned long)rv);
    }
    pt_p11 *m = calloc(1, sizeof *m);
    if (!m) {
        if (rv == CKR_OK)
            f->C_Finalize(NULL);
        dlclose(lib);
        return PT_ERR_NOMEM;
    }
    m->lib = lib;
    m->f = f;
    m->initialized_here = rv == CKR_OK;
    *out = m;
    return PT_OK;
}

void pt_p11_unload(pt_p11 *m)
{
    if (!m)
        return;
    if (m->initialized_here)
        m->f->C_Finalize(NULL);
    dlclose(m->lib);
    free(m);
}

static void trim_label(const CK_UTF8CHAR *l, char out[33])
{
    memcpy(out, l, 32);
    out[32] = '\0';
    for (int i = 31; i >= 0 && out[i] == ' '; i--)
        out[i] = '\0';
}

static int find_one(pt_token *t, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *obj)
{
    CK_FUNCTION_LIST_PTR f = t->m->f;
    CK_ULONG count = 0;
    if (f->C_FindObjectsInit(t->session, tmpl, n) != CKR_OK)
        return 0;
    int ok = f->C_FindObjects(t->session, obj, 1, &count) == CKR_OK && count == 1;
    f->C_FindObjectsFinal(t->session);
    return ok;
}

int pt_token_open(pt_p11 *m, const char *label, const char *pin, pt_token **out, pt_diag *d)
{
    *out = NULL;
    CK_FUNCTION_LIST_PTR f = m->f;
    CK_ULONG n = 0;
    if (f->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot list the PKCS#11 slots");
    CK_SLOT_ID *slots = calloc(n ? n : 1, sizeof *slots);
    if (!slots || f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) {
        free(slots);
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot list the PKCS#11 slots");
    }
    CK_SLOT_ID slot = 0;
    int found = 0;
    for (CK_ULONG i = 0; i < n && !found; i++) {
        CK_TOKEN_INFO info;
        char l[33];
        if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
            continue;
        trim_label(info.label, l);
        if (!strcmp(l, label)) {
            slot = slots[i];
            found = 1;
        }
    }
    free(slots);
    if (!found)
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no security token labelled %s is present", label);
    pt_token *t = calloc(1, sizeof *t);
    if (!t)
        return PT_ERR_NOMEM;
    t->m = m;
    snprintf(t->label, sizeof t->label, "%s", label);
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &t->session) != CKR_OK) {
        free(t);
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "token %s: cannot open a session", label);
    }
    CK_RV rv = f->C_Login(t->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        f->C_CloseSession(t->session);
        free(t);
        if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE)
            return pt_diag_set(d, PT_ERR_AUTH, PT_NO_OFFSET, "token %s: wrong PIN", label);
        if (rv == CKR_PIN_LOCKED)
            return pt_diag_set(d, PT_ERR_AUTH, PT_NO_OFFSET, "token %s: the PIN is locked", label);
        return pt_diag_set(d, PT_ERR_AUTH, PT_NO_OFFSET, "token %s: login failed (0x%lx)", label, (unsigned long)rv);
    }
    /* the certificate */
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE ct[] = {{CKA_CLASS, &cls, sizeof cls}};
    CK_OBJECT_HANDLE cert_obj;
    int rc = PT_OK;
    uint8_t id[256];
    CK_ULONG id_len = 0;
    if (!find_one(t, ct, 1, &cert_obj)) {
        rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "token %s holds no certificate", label);
    } else {
        CK_ATTRIBUTE v[] = {{CKA_VALUE, NULL, 0}, {CKA_ID, NULL, 0}};
        if (f->C_GetAttributeValue(t->session, cert_obj, v, 2) != CKR_OK || v[0].ulValueLen == 0 ||
            v[0].ulValueLen > 65536 || v[1].ulValueLen > sizeof id) {
            rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "token %s: cannot read its certificate", label);
        } else {
            uint8_t *der = malloc(v[0].ulValueLen);
            v[0].pValue = der;
            v[1].pValue = id;
            if (der && f->C_GetAttributeValue(t->session, cert_obj, v, 2) == CKR_OK)
                t->cert = pt_cert_from_der(der, v[0].ulValueLen);
            id_len = v[1].ulValueLen;
            free(der);
            if (!t->cert)
                rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "token %s: its certificate is not valid DER", label);
        }
    }
    /* the private key with the certificate's id (or the only one there is) */
    if (!rc) {
        CK_OBJECT_CLASS kcls = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE kt[] = {{CKA_CLASS, &kcls, sizeof kcls}, {CKA_ID, id, id_len}};
        if (!find_one(t, kt, id_len ? 2 : 1, &t->key) && !find_one(t, kt, 1, &t->key))
            rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "token %s holds no private key", label);
        else if (!pt_cert_is_rsa(t->cert))
            rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "token %s: its key is not RSA", label);
    }
    if (rc) {
        pt_token_close(t);
        return rc;
    }
    *out = t;
    return PT_OK;
}

void pt_token_close(pt_token *t)
{
    if (!t)
        return;
    t->m->f->C_Logout(t->session);
    t->m->f->C_CloseSession(t->session);
    X509_free(t->cert);
    free(t);
}

X509 *pt_token_cert(const pt_token *t) { return t->cert; }

static const uint8_t prefix_sha1[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                      0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
static const uint8_t prefix_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t prefix_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

static int token_sign_digest(void *ctx, int hash, const uint8_t *digest, size_t digest_len, uint8_t *sig,
                             size_t *sig_len, pt_diag *d)
{
    pt_token *t = ctx;
    const uint8_t *prefix;
    size_t plen;
    switch (hash) {
    case PT_HASH_SHA1: prefix = prefix_sha1, plen = sizeof prefix_sha1; break;
    case PT_HASH_SHA256: prefix = prefix_sha256, plen = sizeof prefix_sha256; break;
    case PT_HASH_SHA512: prefix = prefix_sha512, plen = sizeof prefix_sha512; break;
    default: return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown hash code %d", hash);
    }
    if (digest_len != pt_hash_len(hash))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "digest length %zu for %s", digest_len, pt_hash_name(hash));
    uint8_t info[19 + 64];
    memcpy(info, prefix, plen);
    memcpy(info + plen, digest, digest_len);
    CK_MECHANISM mech = {CKM_RSA_PKCS, NULL, 0};
    CK_ULONG out = (CK_ULONG)*sig_len;
    CK_FUNCTION_LIST_PTR f = t->m->f;
    CK_RV rv = f->C_SignInit(t->session, &mech, t->key);
    if (rv == CKR_OK)
        rv = f->C_Sign(t->session, info, (CK_ULONG)(plen + digest_len), sig, &out);
    if (rv != CKR_OK)
        return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "token %s: signing failed (0x%lx)", t->label,
                           (unsigned long)rv);
    *sig_len = out;
    return PT_OK;
}

int pt_token_signer(pt_token *t, pt_signer *s, pt_diag *d)
{
    memset(s, 0, sizeof *s);
    EVP_PKEY *pub = X509_get0_pubkey(t->cert);
    if (!pub)
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "token %s: unusable certificate key", t->label);
    s->sign_digest = token_sign_digest;
    s->ctx = t;
    s->cert = t->cert;
    s->sig_len = (size_t)EVP_PKEY_get_size(pub);
    return PT_OK;
}

int pt_token_cert_is_manufacturing(X509 *cert, X509 *ca, pt_diag *d)
{
    char cn[256] = "";
    X509_NAME_get_text_by_NID(X509_get_issuer_name(cert), NID_commonName, cn, sizeof cn);
    if (!strstr(cn, "Manufacturing CA") || X509_check_issued(cert, cert) == X509_V_OK)
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                           "the token's certificate is issued by \"%s\", not by a Cisco Manufacturing CA", cn);
    if (ca) {
        EVP_PKEY *k = X509_get0_pubkey(ca);
        if (X509_check_issued(ca, cert) != X509_V_OK || !k || X509_verify(cert, k) != 1)
            return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                               "the token's certificate is not signed by the given manufacturing CA");
    }
    return PT_OK;
}
