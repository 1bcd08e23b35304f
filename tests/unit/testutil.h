/*
 * testutil.h - helpers shared by the unit tests: test data, keys, signers.
 */
#ifndef PT_TESTUTIL_H
#define PT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "phonetrust/cert.h"
#include "phonetrust/crypto.h"

/* Reads PT_TEST_DATA/rel; fails the test if missing. Caller frees. */
uint8_t *tu_read(const char *rel, size_t *len);
/* Loads key and/or cert from PT_TEST_DATA/rel. */
void tu_pem(const char *rel, EVP_PKEY **key, X509 **cert);
/* A self-signed server certificate (cached per kind for speed). */
void tu_make_cert(int key_type, int bits, const char *curve, const char *cn,
                  EVP_PKEY **key, X509 **cert);

/* Reads "Key: value" lines of a reference parse listing. */
typedef struct tu_kv {
    char key[64];
    char value[512];
} tu_kv;
size_t tu_read_listing(const char *rel, tu_kv *out, size_t max);

#endif
