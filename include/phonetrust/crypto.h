/*
 * crypto.h - the formats' certificate and hash conventions over OpenSSL 3.
 *
 * Hash codes (§1.5), distinguished-name strings (§1.6), minimal serial
 * bytes, the record PUBLIC_KEY and SIGNATURE items (§2.2), key and
 * certificate loading from the "key PEM followed by certificate PEM" files
 * every tool passes around (§7.1), and pt_signer: the one way anything in
 * libphonetrust signs (a software key here; a PKCS#11 token can provide the
 * same callback, so its key never leaves the token).
 */
#ifndef PHONETRUST_CRYPTO_H
#define PHONETRUST_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "phonetrust/buf.h"
#include "phonetrust/error.h"

/* §1.5.  NULL / 0 / "?" for codes we do not know. */
const EVP_MD *pt_hash_md(int hash);
size_t pt_hash_len(int hash);
const char *pt_hash_name(int hash);          /* "SHA1", "SHA256", "SHA512" */
/* "sha1", "sha256", "sha512" (any case) -> code, or -1. */
int pt_hash_from_name(const char *name);
/* One-shot digest; out must hold EVP_MAX_MD_SIZE. Returns 0 or PT_ERR_*. */
int pt_digest(int hash, const void *data, size_t len, uint8_t *out, size_t *outlen);

/* Lowercase hex of n bytes into out (2n+1 bytes). Returns out. */
char *pt_hex(const uint8_t *p, size_t n, char *out);

/* Wipes n bytes (never optimised away). */
void pt_wipe(void *p, size_t n);

/*
 * Loads a PEM file (or memory) holding a private key and/or a certificate;
 * a certificate alone may also be DER (a .cer as certificates are exported).
 * Pass NULL for what you do not want; asking for something the file does
 * not hold is an error (PT_ERR_KEY, with a message naming the file).
 */
int pt_pem_load(const char *path, EVP_PKEY **key, X509 **cert, pt_diag *d);
int pt_pem_load_mem(const uint8_t *pem, size_t len, const char *what,
                    EVP_PKEY **key, X509 **cert, pt_diag *d);
/* Loads a certificate from DER bytes. */
X509 *pt_cert_from_der(const uint8_t *der, size_t len);

/* §1.6: name attributes in DER order, RFC 4514 short names and escaping,
 * joined with sep (',' current layout, ';' legacy/CUCM).  malloc'd. */
char *pt_name_string(const X509_NAME *name, char sep);

/* §1.6: serial as minimal unsigned big-endian bytes (out: 64 bytes).
 * Returns 0 or PT_ERR_KEY. */
int pt_cert_serial(const X509 *cert, uint8_t *out, size_t *len);

/* §2.2 tag 7: DER RSAPublicKey, or the uncompressed EC point. */
int pt_cert_pubkey_bytes(const X509 *cert, pt_buf *out);
/* §2.2 tag 8: the certificate's signatureValue bytes (no unused-bits octet). */
int pt_cert_signature_bytes(const X509 *cert, const uint8_t **p, size_t *n);
/* DER of the certificate, appended to out. */
int pt_cert_der(const X509 *cert, pt_buf *out);
/* Digest (§1.5 code) of the DER certificate. */
int pt_cert_digest(const X509 *cert, int hash, uint8_t *out, size_t *outlen);
/*
 * The RSA public key of a DER certificate, read with a bounds-checked DER
 * walk down to subjectPublicKeyInfo (the rest of the certificate's framing
 * is checked, its contents are not interpreted).  Much cheaper than
 * d2i_X509 in OpenSSL 3, which matters to every phone verifying every
 * trust list.  PT_ERR_KEY when it is not an RSA certificate.
 */
int pt_cert_der_rsa_pubkey(const uint8_t *der, size_t len, EVP_PKEY **out, pt_diag *d);

/*
 * A cache of RSA verification keys, keyed by the DER certificate they came
 * from.  Verifiers that see the same signer again and again (a phone at
 * every boot, a fleet of simulated phones, TVS) keep one and skip the key
 * decoding and setup.  Owned by the caller; not shared between threads.
 */
typedef struct pt_keycache pt_keycache;
pt_keycache *pt_keycache_new(size_t capacity);
void pt_keycache_free(pt_keycache *c);

/*
 * Verifies an RSA PKCS#1 v1.5 signature over a digest with the key of a DER
 * certificate, through the cache when one is given (c may be NULL).
 * PT_ERR_KEY: not an RSA certificate; PT_ERR_SIGNATURE: does not verify.
 */
int pt_verify_digest_der(pt_keycache *c, const uint8_t *der, size_t der_len, int hash,
                         const uint8_t *digest, size_t digest_len,
                         const uint8_t *sig, size_t sig_len, pt_diag *d);

/* 1 when der is framed as one X.509 certificate (SEQUENCE of tbs SEQUENCE,
 * algorithm SEQUENCE, BIT STRING, nothing after): a cheap check for a
 * server that only hashes what it is sent. */
int pt_der_is_certificate(const uint8_t *der, size_t len);

/* 1 when the certificate's key is RSA. */
int pt_cert_is_rsa(const X509 *cert);

/* RSA PKCS#1 v1.5 (with DigestInfo) signature over a precomputed digest. */
typedef int (*pt_sign_digest_fn)(void *ctx, int hash, const uint8_t *digest,
                                 size_t digest_len, uint8_t *sig, size_t *sig_len,
                                 pt_diag *d);

typedef struct pt_signer {
    pt_sign_digest_fn sign_digest;
    void *ctx;
    void (*free_ctx)(void *ctx);
    X509 *cert;      /* the signer's certificate: name, issuer, serial */
    size_t sig_len;  /* signature length in bytes (the RSA modulus size) */
} pt_signer;

/* A signer over a software RSA key.  key and cert stay owned by the caller
 * and must outlive the signer; release the signer with pt_signer_free.
 * PT_ERR_KEY if the key is not RSA or does not match the certificate. */
int pt_signer_init_key(pt_signer *s, EVP_PKEY *key, X509 *cert, pt_diag *d);
/* Releases what the signer holds (not the key or certificate it was given). */
void pt_signer_free(pt_signer *s);

/* RSA PKCS#1 v1.5 verification of a digest with a public key. */
int pt_verify_digest(EVP_PKEY *pub, int hash, const uint8_t *digest, size_t digest_len,
                     const uint8_t *sig, size_t sig_len);

#endif
