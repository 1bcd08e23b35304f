/*
 * cert.h - certificate creation for every profile of spec §7.
 *
 *   PT_PROFILE_SERVER  §7.1 mkcert: self-signed, CA:TRUE pathlen:0, the
 *                      server key usages and EKUs, SAN DNS:<cn>.  Every
 *                      server role (SAST, CCM, TFTP, TVS, CAPF, APP-SERVER,
 *                      ITLRecovery, CallManager-ECDSA) uses it.
 *   PT_PROFILE_CA      §7.2 root CA (also the test "Cisco Manufacturing CA").
 *   PT_PROFILE_LEAF    §7.2 CA-issued leaf (MICs, eToken certificates).
 *   PT_PROFILE_LSC     §7.3 the LSC CAPF issues: CN=<device> plus the
 *                      issuer subject's other attributes, CA:FALSE, SAN URI.
 */
#ifndef PHONETRUST_CERT_H
#define PHONETRUST_CERT_H

#include <time.h>

#include "phonetrust/crypto.h"

enum pt_profile { PT_PROFILE_SERVER = 0, PT_PROFILE_CA, PT_PROFILE_LEAF, PT_PROFILE_LSC };
enum pt_key_type { PT_KEY_RSA = 0, PT_KEY_EC = 1 };

typedef struct pt_cert_spec {
    int profile;
    const char *cn, *o, *ou, *l, *st, *c;
    int cucm_order;        /* subject order CN,OU,O,L,ST,C (CUCM) instead of CN,O,OU,L,ST,C */
    int key_type;          /* pt_key_type, used when subject_key is NULL */
    int rsa_bits;          /* default 2048 */
    const char *curve;     /* "prime256v1"/"secp256r1", "secp384r1", "secp521r1" */
    int years;             /* validity from today 00:00Z; default 10 */
    int days;              /* when > 0: validity now .. now + days (LSC style) */
    int digest;            /* pt_hash of the certificate signature; default SHA-256 */
    time_t now;            /* 0: the current time */
    EVP_PKEY *subject_key; /* NULL: generate one */
    EVP_PKEY *issuer_key;  /* NULL: self-signed */
    X509 *issuer_cert;
} pt_cert_spec;

void pt_cert_spec_init(pt_cert_spec *s);

/* Generates a key: RSA of bits, or EC on curve. */
int pt_key_generate(int type, int bits, const char *curve, EVP_PKEY **out, pt_diag *d);

/* Creates a certificate per spec.  *key_out receives the subject key (the
 * generated one, or a new reference to spec->subject_key). */
int pt_cert_create(const pt_cert_spec *spec, EVP_PKEY **key_out, X509 **cert_out, pt_diag *d);

/* Appends "key PEM then certificate PEM" (§7.1 output file) to out; the key
 * is PKCS#8 for RSA, SEC1 for EC.  key may be NULL (certificate only).
 * out is marked secret. */
int pt_pem_write(pt_buf *out, EVP_PKEY *key, X509 *cert);

#endif
