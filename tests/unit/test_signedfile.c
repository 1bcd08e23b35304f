/*
 * test_signedfile.c - the §1 header: parsing every vector, and every way a
 * header can be wrong (flips, truncations, lengths, tags).
 */
#include "testutil.h"

#include "phonetrust/constants.h"
#include "phonetrust/sgn.h"
#include "phonetrust/signedfile.h"
#include "phonetrust/trustlist.h"

#include <stdlib.h>
#include <string.h>

static void parses_sgn_vector_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_read("vectors/sgn/hello-tiny-1700000000.txt.sgn", &len);
    pt_header h;
    pt_diag d;
    assert_int_equal(pt_header_parse(data, len, &h, &d), PT_OK);
    assert_int_equal(h.version[0], 1);
    assert_int_equal(h.version[1], 0);
    assert_int_equal(h.length, 208);
    assert_false(h.has_signer_version);
    assert_int_equal(h.hash, PT_HASH_SHA1);
    assert_int_equal(h.sig_modulus, 0);
    assert_int_equal(h.signature.n, 64);
    assert_int_equal(h.signature_offset, 0x74);
    assert_int_equal(h.timestamp, 1700000000);
    assert_int_equal(h.filename.n, strlen("hello.txt.sgn"));
    assert_memory_equal(h.filename.p, "hello.txt.sgn", h.filename.n);
    assert_memory_equal(h.signer_name.p, "CN=Tiny SAST,O=Example,OU=Lab", h.signer_name.n);
    const uint8_t serial[] = {0x4c, 0x20, 0xf1, 0xc9, 0x5c, 0x81, 0xf3, 0x1d,
                              0xe7, 0xed, 0xcf, 0x6c, 0x28, 0x7a, 0x33, 0xc0};
    assert_int_equal(h.serial.n, 16);
    assert_memory_equal(h.serial.p, serial, 16);
    /* §3.3: signed bytes are file[0..0x74) || file[0xb7..0xe4), SHA-1 e345b84b... */
    uint8_t dg[64];
    size_t n;
    assert_int_equal(pt_header_signed_digest(data, len, &h, dg, &n), PT_OK);
    char hex[129];
    assert_string_equal(pt_hex(dg, n, hex), "e345b84bae390b1bb4fe027d00c35a57ed8776ea");
    pt_header_free(&h);
    free(data);
}

static void tiny_tlv_signed_digest_matches_spec(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_read("vectors/tlv/tiny-1700000000.tlv", &len);
    pt_header h;
    pt_diag d;
    assert_int_equal(pt_header_parse(data, len, &h, &d), PT_OK);
    uint8_t dg[64];
    size_t n;
    char hex[129];
    assert_int_equal(pt_header_signed_digest(data, len, &h, dg, &n), PT_OK);
    assert_string_equal(pt_hex(dg, n, hex), "c65874f58c764f2f57b0a695464085c7d2a6b055");
    assert_true(h.has_signer_version);
    assert_int_equal(h.n_items, 16); /* 15 TLVs and one padding byte, as in the dump */
    pt_header_free(&h);
    free(data);
}

static void enc_header_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_read("vectors/sgn/SEP001122334455.cnf.xml.enc.sgn", &len);
    pt_header h;
    pt_diag d;
    assert_int_equal(pt_header_parse(data, len, &h, &d), PT_OK);
    assert_int_equal(h.version[0], 2);
    assert_int_equal(h.length, 764);
    assert_true(h.enc_present);
    assert_int_equal(h.enc_padding, 2);
    assert_int_equal(h.enc_key_size, 2048);
    assert_int_equal(h.enc_key_algorithm, 1);
    assert_int_equal(h.enc_key.n, 256);
    assert_int_equal(h.enc_iv.n, 16);
    assert_int_equal(h.enc_hash_alg, PT_HASH_SHA1);
    assert_int_equal(h.enc_hash.n, 20);
    pt_header_free(&h);
    free(data);
}

/* ---- mutation: every flipped byte and every truncation must fail ---- */

typedef int (*verify_fn)(const uint8_t *data, size_t len, void *ctx);

static int verify_tl(const uint8_t *data, size_t len, void *ctx)
{
    (void)ctx;
    pt_trustlist tl;
    pt_diag d;
    int rc = pt_tl_parse(data, len, &tl, &d);
    if (rc)
        return rc;
    rc = pt_tl_verify(&tl, NULL, &d);
    pt_tl_free(&tl);
    return rc;
}

static int verify_sgn(const uint8_t *data, size_t len, void *ctx)
{
    pt_header h;
    pt_diag d;
    int rc = pt_sgn_verify(data, len, ctx, &h, &d);
    pt_header_free(&h);
    return rc;
}

static void mutate_all(const char *rel, verify_fn fn, void *ctx)
{
    size_t len;
    uint8_t *data = tu_read(rel, &len);
    assert_int_equal(fn(data, len, ctx), PT_OK);
    uint8_t *copy = malloc(len);
    for (size_t i = 0; i < len; i++) {
        static const uint8_t masks[] = {0x01, 0x80, 0xff};
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(copy, data, len);
            copy[i] ^= masks[m];
            if (fn(copy, len, ctx) == PT_OK)
                fail_msg("%s: flipping byte %zu with 0x%02x still verifies", rel, i, masks[m]);
        }
    }
    for (size_t n = 0; n < len; n++) {
        /* a fresh allocation of exactly n bytes: ASan catches any over-read */
        uint8_t *t = malloc(n ? n : 1);
        memcpy(t, data, n);
        if (fn(t, n, ctx) == PT_OK)
            fail_msg("%s: truncated to %zu bytes still verifies", rel, n);
        free(t);
    }
    free(copy);
    free(data);
}

static void every_flip_and_truncation_of_trust_lists_fails(void **state)
{
    (void)state;
    mutate_all("vectors/tlv/tiny.tlv", verify_tl, NULL);
    mutate_all("vectors/tlv/ITL-hashrecord-synthetic.tlv", verify_tl, NULL);
    mutate_all("vectors/tlv/ITLFile-1700000000-sha512.tlv", verify_tl, NULL);
}

static void every_flip_and_truncation_of_signed_files_fails(void **state)
{
    (void)state;
    X509 *tiny = NULL, *ccm = NULL;
    tu_pem("vectors/certs/tiny-sast.pem", NULL, &tiny);
    tu_pem("vectors/certs/ccm.pem", NULL, &ccm);
    mutate_all("vectors/sgn/hello-tiny-1700000000.txt.sgn", verify_sgn, tiny);
    mutate_all("vectors/sgn/hello-sha512.txt.sgn", verify_sgn, ccm);
    mutate_all("vectors/sgn/SEP001122334455.cnf.xml.enc.sgn", verify_sgn, ccm);
    X509_free(tiny);
    X509_free(ccm);
}

/* ---- hand-made bad headers: each a clear, specific error ---- */

static int parse_copy(const uint8_t *data, size_t len, pt_diag *d)
{
    uint8_t *c = malloc(len);
    memcpy(c, data, len);
    pt_header h;
    int rc = pt_header_parse(c, len, &h, d);
    pt_header_free(&h);
    free(c);
    return rc;
}

static void header_length_off_by_one_or_four_fails(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_read("vectors/tlv/tiny-1700000000.tlv", &len);
    X509 *tiny = NULL;
    tu_pem("vectors/certs/tiny-sast.pem", NULL, &tiny);
    const int deltas[] = {-4, -1, 1, 4};
    for (size_t i = 0; i < 4; i++) {
        uint8_t *c = malloc(len);
        memcpy(c, data, len);
        unsigned hl = 208 + deltas[i];
        c[8] = (uint8_t)(hl >> 8);
        c[9] = (uint8_t)hl;
        assert_int_not_equal(verify_tl(c, len, NULL), PT_OK);
        free(c);
    }
    pt_diag d;
    uint8_t *c = malloc(len);
    memcpy(c, data, len);
    c[9] = 204; /* TIMESTAMP (at 200, 7 bytes) now crosses the header end */
    pt_header h;
    assert_int_equal(pt_header_parse(c, len, &h, &d), PT_ERR_TRUNCATED);
    assert_non_null(strstr(d.msg, "tag 15 (TIMESTAMP) length 4 runs past the end of the header (204 bytes)"));
    assert_int_equal(d.offset, 200);
    pt_header_free(&h);
    c[8] = 0x10; /* HEADER_LENGTH larger than the file */
    assert_int_equal(pt_header_parse(c, len, &h, &d), PT_ERR_TRUNCATED);
    assert_non_null(strstr(d.msg, "runs past the end of the file (944 bytes)"));
    pt_header_free(&h);
    free(c);
    X509_free(tiny);
    free(data);
}

static void oversize_zero_unknown_duplicate_and_crossing_items_fail(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_read("vectors/tlv/tiny-1700000000.tlv", &len);
    pt_diag d;
    uint8_t *c = malloc(len);

    /* oversize: SIGNER_NAME (at 18) claims 0xffff bytes */
    memcpy(c, data, len);
    c[19] = 0xff;
    c[20] = 0xff;
    assert_int_equal(parse_copy(c, len, &d), PT_ERR_TRUNCATED);
    assert_non_null(strstr(d.msg, "tag 4 (SIGNER_NAME) length 65535 runs past the end of the header"));
    assert_int_equal(d.offset, 18);

    /* one byte past the header's end: TIMESTAMP (at 200) claims 6 of the 5 bytes left */
    memcpy(c, data, len);
    c[202] = 6;
    assert_int_equal(parse_copy(c, len, &d), PT_ERR_TRUNCATED);
    assert_non_null(strstr(d.msg, "tag 15 (TIMESTAMP) length 6 runs past the end of the header (208 bytes)"));
    assert_int_equal(d.offset, 200);

    /* a HEADER_LENGTH too small for its own two items */
    for (unsigned hl = 0; hl < 10; hl++) {
        memcpy(c, data, len);
        c[8] = 0;
        c[9] = (uint8_t)hl;
        assert_int_equal(parse_copy(c, len, &d), PT_ERR_FORMAT);
        char want[64];
        snprintf(want, sizeof want, "HEADER_LENGTH %u is smaller than 10", hl);
        assert_non_null(strstr(d.msg, want));
    }

    /* zero length where one byte is required: HASH_ALGORITHM at 106 */
    memcpy(c, data, len);
    c[108] = 0;
    assert_int_not_equal(parse_copy(c, len, &d), PT_OK);

    /* unknown tag: FILENAME (at 188) renumbered 29 */
    memcpy(c, data, len);
    c[188] = 29;
    assert_int_equal(parse_copy(c, len, &d), PT_ERR_UNKNOWN_TAG);
    assert_non_null(strstr(d.msg, "unknown tag 29"));
    assert_int_equal(d.offset, 188);

    /* duplicate: FILENAME renumbered as a second SIGNER_NAME (tag 4) */
    memcpy(c, data, len);
    c[188] = 4;
    assert_int_equal(parse_copy(c, len, &d), PT_ERR_DUPLICATE_TAG);

    /* a child crossing its container: SIGNATURE_INFO (at 103) says 14, not 15 */
    memcpy(c, data, len);
    c[105] = 14;
    assert_int_equal(parse_copy(c, len, &d), PT_ERR_FORMAT);
    assert_non_null(strstr(d.msg, "crosses the end of container tag 7"));

    /* not a signed file at all */
    memcpy(c, "<?xml version", 13);
    assert_int_equal(parse_copy(c, 13, &d), PT_ERR_FORMAT);
    assert_int_equal(parse_copy(c, 0, &d), PT_ERR_TRUNCATED);
    free(c);
    free(data);
}

static void missing_hash_or_signature_is_reported(void **state)
{
    (void)state;
    pt_diag d;
    /* VERSION, HEADER_LENGTH 16, SIGNATURE (1 byte), padding -> no tag 8 */
    const uint8_t no_hash[] = {0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x10,
                               0x0c, 0x00, 0x01, 0xaa, 0x0d, 0x0d};
    assert_int_equal(parse_copy(no_hash, 16, &d), PT_ERR_MISSING_TAG);
    assert_non_null(strstr(d.msg, "tag 8 (HASH_ALGORITHM) is missing"));
    /* VERSION, HEADER_LENGTH 16, HASH_ALGORITHM 1, padding -> no tag 12 */
    const uint8_t no_sig[] = {0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x10,
                              0x08, 0x00, 0x01, 0x01, 0x0d, 0x0d};
    assert_int_equal(parse_copy(no_sig, 16, &d), PT_ERR_MISSING_TAG);
    assert_non_null(strstr(d.msg, "tag 12 (SIGNATURE) is missing"));
    /* HASH_ALGORITHM 4 is not a known hash */
    uint8_t bad_hash[16];
    memcpy(bad_hash, no_sig, 16);
    bad_hash[13] = 4;
    assert_int_equal(parse_copy(bad_hash, 16, &d), PT_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_sgn_vector_fields),
        cmocka_unit_test(tiny_tlv_signed_digest_matches_spec),
        cmocka_unit_test(enc_header_fields),
        cmocka_unit_test(every_flip_and_truncation_of_trust_lists_fails),
        cmocka_unit_test(every_flip_and_truncation_of_signed_files_fails),
        cmocka_unit_test(header_length_off_by_one_or_four_fails),
        cmocka_unit_test(oversize_zero_unknown_duplicate_and_crossing_items_fail),
        cmocka_unit_test(missing_hash_or_signature_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
