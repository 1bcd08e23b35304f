/*
 * test_sgn.c - *.sgn files (§3): golden builds, the vectors, strip, and
 * verification against the wrong certificate.
 */
#include "testutil.h"

#include "phonetrust/constants.h"
#include "phonetrust/sgn.h"

#include <stdlib.h>
#include <string.h>

static void golden_sgn_both_layouts(void **state)
{
    (void)state;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    tu_pem("vectors/certs/tiny-sast.pem", &key, &cert);
    pt_signer s;
    pt_diag d;
    assert_int_equal(pt_signer_init_key(&s, key, cert, &d), PT_OK);
    size_t plen;
    uint8_t *payload = tu_read("vectors/sgn/hello.txt", &plen);
    const char *want[] = {"vectors/sgn/hello-tiny-1700000000.txt.sgn",
                          "vectors/sgn/hello-tiny-1700000000-v4.12.txt.sgn"};
    for (int layout = 0; layout < 2; layout++) {
        pt_sign_opts o;
        pt_sign_opts_init(&o);
        o.timestamp = 1700000000;
        o.filename = "hello.txt.sgn";
        o.layout = layout;
        pt_buf b;
        pt_buf_init(&b);
        assert_int_equal(pt_sgn_build(&b, &s, &o, payload, plen, &d), PT_OK);
        size_t wlen;
        uint8_t *w = tu_read(want[layout], &wlen);
        assert_int_equal(b.len, wlen);
        assert_memory_equal(b.data, w, wlen);
        free(w);
        pt_buf_free(&b);
    }
    free(payload);
    pt_signer_free(&s);
    EVP_PKEY_free(key);
    X509_free(cert);
}

static void vectors_verify_and_strip_to_the_original(void **state)
{
    (void)state;
    X509 *ccm = NULL, *tiny = NULL, *tvs = NULL;
    tu_pem("vectors/certs/ccm.pem", NULL, &ccm);
    tu_pem("vectors/certs/tiny-sast.pem", NULL, &tiny);
    tu_pem("vectors/certs/tvs.pem", NULL, &tvs);
    size_t olen;
    uint8_t *orig = tu_read("vectors/sgn/hello.txt", &olen);
    struct { const char *file; X509 *cert; int hash; const char *name; } v[] = {
        {"vectors/sgn/hello.txt.sgn", ccm, PT_HASH_SHA1, "hello.txt.sgn"},
        {"vectors/sgn/hello-sha512.txt.sgn", ccm, PT_HASH_SHA512, "sub/dir/hello.txt.sgn"},
        {"vectors/sgn/hello-tiny.txt.sgn", tiny, PT_HASH_SHA1, "hello.txt.sgn"},
    };
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        uint8_t *data = tu_read(v[i].file, &len);
        pt_header h;
        pt_diag d;
        assert_int_equal(pt_sgn_verify(data, len, v[i].cert, &h, &d), PT_OK);
        assert_int_equal(h.hash, v[i].hash);
        assert_memory_equal(h.filename.p, v[i].name, strlen(v[i].name));
        pt_header_free(&h);
        const uint8_t *p;
        size_t n;
        assert_int_equal(pt_sgn_payload(data, len, &h, &p, &n, &d), PT_OK);
        assert_int_equal(n, olen);
        assert_memory_equal(p, orig, olen);
        pt_header_free(&h);
        /* another certificate: refused, naming both serials */
        assert_int_equal(pt_sgn_verify(data, len, tvs, &h, &d), PT_ERR_NO_SIGNER);
        assert_non_null(strstr(d.msg, "but the certificate given has serial"));
        pt_header_free(&h);
        free(data);
    }
    free(orig);
    X509_free(ccm);
    X509_free(tiny);
    X509_free(tvs);
}

static void same_serial_other_key_fails_signature(void **state)
{
    (void)state;
    /* a forged certificate with the signer's serial but another key */
    EVP_PKEY *k1, *k2;
    X509 *c1, *c2;
    tu_make_cert(PT_KEY_RSA, 1024, NULL, "TFTP", &k1, &c1);
    tu_make_cert(PT_KEY_RSA, 1024, NULL, "TFTP", &k2, &c2);
    X509_set_serialNumber(c2, X509_get_serialNumber(c1));
    pt_signer s;
    pt_diag d;
    pt_signer_init_key(&s, k1, c1, &d);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "SEP001122334455.cnf.xml.sgn";
    o.hash = PT_HASH_SHA256;
    pt_buf b;
    pt_buf_init(&b);
    const char xml[] = "<device/>";
    assert_int_equal(pt_sgn_build(&b, &s, &o, (const uint8_t *)xml, sizeof xml - 1, &d), PT_OK);
    pt_header h;
    assert_int_equal(pt_sgn_verify(b.data, b.len, c1, &h, &d), PT_OK);
    assert_int_equal(h.hash, PT_HASH_SHA256);
    assert_false(h.has_signer_version);
    pt_header_free(&h);
    assert_int_equal(pt_sgn_verify(b.data, b.len, c2, &h, &d), PT_ERR_SIGNATURE);
    pt_header_free(&h);
    /* an empty payload is still a valid signed file */
    pt_buf_free(&b);
    pt_buf_init(&b);
    assert_int_equal(pt_sgn_build(&b, &s, &o, NULL, 0, &d), PT_OK);
    assert_int_equal(pt_sgn_verify(b.data, b.len, c1, &h, &d), PT_OK);
    pt_header_free(&h);
    pt_buf_free(&b);
    pt_signer_free(&s);
    EVP_PKEY_free(k1); EVP_PKEY_free(k2);
    X509_free(c1); X509_free(c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_sgn_both_layouts),
        cmocka_unit_test(vectors_verify_and_strip_to_the_original),
        cmocka_unit_test(same_serial_other_key_fails_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
