/*
 * keycache.c - the cluster's private keys, decoded once per open handle.
 *
 * OpenSSL 3.0 decodes a PEM private key through its decoder framework,
 * which tries every decoder every provider offers: about 1.5 ms for an
 * RSA-2048 key here, six RSA-2048 signatures' worth - and a freshly decoded
 * RSA key sets up its blinding again on its first signature (one more
 * modular exponentiation).  serve signs a device's configuration, issues
 * an LSC and checks a CAPF authentication with the same few keys again and
 * again, so a handle keeps the last few it loaded.
 *
 * A slot is found by the key file's name AND the certificate's DER as the
 * database has it now: a key file is named after its certificate's serial
 * (keys/<node>_<name>_<serial>.pem) and a regeneration writes a new one, so
 * a replaced certificate never finds the old key.  Keys are freed (their
 * private parts cleared by OpenSSL) when the handle closes.  A handle is
 * used by one thread (each serve worker opens its own).
 */
#include "cluster_internal.h"
#include "phonetrust/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8

typedef struct slot {
    char file[400];
    uint8_t *der;
    size_t der_len;
    EVP_PKEY *key;
    X509 *cert;
} slot;

struct pt__keycache {
    slot s[SLOTS];
    unsigned next; /* the slot a miss replaces, round robin */
};

static void slot_clear(slot *s)
{
    free(s->der);
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    memset(s, 0, sizeof *s);
}

void pt__keycache_free(pt__keycache *k)
{
    if (!k)
        return;
    for (int i = 0; i < SLOTS; i++)
        slot_clear(&k->s[i]);
    free(k);
}

int pt__key_load(pt_cluster *c, const char *key_file, const char *path, const uint8_t *der, size_t der_len,
                 EVP_PKEY **key, X509 **cert, pt_diag *d)
{
    *key = NULL;
    *cert = NULL;
    if (!c->keys && !(c->keys = calloc(1, sizeof *c->keys)))
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    pt__keycache *k = c->keys;
    for (int i = 0; i < SLOTS; i++) {
        slot *s = &k->s[i];
        if (s->key && !strcmp(s->file, key_file) && s->der_len == der_len && !memcmp(s->der, der, der_len)) {
            EVP_PKEY_up_ref(s->key);
            X509_up_ref(s->cert);
            *key = s->key;
            *cert = s->cert;
            return PT_OK;
        }
    }
    EVP_PKEY *pk = NULL;
    int rc = pt_pem_load(path, &pk, NULL, d);
    if (rc)
        return rc;
    X509 *x = pt_cert_from_der(der, der_len);
    uint8_t *copy = malloc(der_len ? der_len : 1);
    if (!x || !copy) {
        EVP_PKEY_free(pk);
        X509_free(x);
        free(copy);
        return x ? pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory")
                 : pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "the stored certificate of %s is damaged", key_file);
    }
    slot *s = &k->s[k->next];
    k->next = (k->next + 1) % SLOTS;
    slot_clear(s);
    snprintf(s->file, sizeof s->file, "%s", key_file);
    memcpy(copy, der, der_len);
    s->der = copy;
    s->der_len = der_len;
    s->key = pk;
    s->cert = x;
    EVP_PKEY_up_ref(pk);
    X509_up_ref(x);
    *key = pk;
    *cert = x;
    return PT_OK;
}
