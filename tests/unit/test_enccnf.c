/*
 * test_enccnf.c - encrypted configuration (§4): the vector decrypts to its
 * plaintext, the stub matches, the deterministic cross-check, round trips
 * for lengths 0 and 15 mod 16, and every wrong key or tampering fails.
 */
#include "testutil.h"

#include "phonetrust/constants.h"
#include "phonetrust/enccnf.h"
#include "phonetrust/sgn.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void vector_decrypts_to_its_plaintext(void **state)
{
    (void)state;
    EVP_PKEY *phone = NULL;
    X509 *ccm = NULL;
    tu_pem("vectors/capf/SEP001122334455.lsc1.pem", &phone, NULL);
    tu_pem("vectors/certs/ccm.pem", NULL, &ccm);
    size_t len, plen;
    uint8_t *enc = tu_read("vectors/sgn/SEP001122334455.cnf.xml.enc.sgn", &len);
    uint8_t *plain = tu_read("vectors/sgn/SEP001122334455.cnf.xml.plain", &plen);
    pt_buf out;
    pt_diag d;
    pt_buf_init(&out);
    assert_int_equal(pt_enc_decrypt(enc, len, phone, ccm, &out, &d), PT_OK);
    assert_int_equal(out.len, plen);
    assert_memory_equal(out.data, plain, plen);
    assert_true(out.secret);
    pt_buf_free(&out);
    /* another phone's key cannot unwrap it */
    EVP_PKEY *other = NULL;
    tu_pem("vectors/capf/SEP00112233AABB.lsc1.pem", &other, NULL);
    pt_buf_init(&out);
    assert_int_equal(pt_enc_decrypt(enc, len, other, ccm, &out, &d), PT_ERR_DECRYPT);
    assert_non_null(strstr(d.msg, "cannot be unwrapped with this private key"));
    EVP_PKEY_free(other);
    EVP_PKEY *tvs = NULL;
    tu_pem("vectors/certs/tvs.pem", &tvs, NULL);
    assert_int_equal(pt_enc_decrypt(enc, len, tvs, NULL, &out, &d), PT_ERR_DECRYPT);
    EVP_PKEY_free(tvs);
    pt_buf_free(&out);
    free(enc);
    free(plain);
    EVP_PKEY_free(phone);
    X509_free(ccm);
}

static void stub_matches_the_vector(void **state)
{
    (void)state;
    X509 *phone = NULL;
    tu_pem("vectors/capf/SEP001122334455.lsc1.pem", NULL, &phone);
    size_t plen, slen;
    uint8_t *plain = tu_read("vectors/sgn/SEP001122334455.cnf.xml.plain", &plen);
    uint8_t *stub = tu_read("vectors/sgn/SEP001122334455.cnf.xml.sgn", &slen);
    pt_header h;
    pt_diag d;
    const uint8_t *want;
    size_t wlen;
    assert_int_equal(pt_sgn_payload(stub, slen, &h, &want, &wlen, &d), PT_OK);
    pt_buf xml;
    pt_buf_init(&xml);
    assert_int_equal(pt_enc_stub_xml(&xml, phone, plain, plen, &d), PT_OK);
    assert_int_equal(xml.len, wlen);
    assert_memory_equal(xml.data, want, wlen);
    pt_buf_free(&xml);
    pt_header_free(&h);
    /* not a <device> document */
    pt_buf_init(&xml);
    const char bad[] = "<?xml version=\"1.0\"?>\n<config><x/></config>\n";
    assert_int_equal(pt_enc_stub_xml(&xml, phone, (const uint8_t *)bad, sizeof bad - 1, &d), PT_ERR_FORMAT);
    pt_buf_free(&xml);
    /* an administrator's layout (tabs, one line, a comment inside, the
     * root's attributes): the stub is re-indented by two spaces as enccnf
     * (lxml, remove_blank_text, pretty_print) writes it, the root bare */
    const char own[] = "<device ctiid=\"1\">\n\t<!-- kept out -->\n\t<ipAddressMode>0</ipAddressMode>\n"
                       "\t<capfList><capf><phonePort>3804</phonePort><!-- c --><processNodeName>pub</processNodeName>"
                       "</capf></capfList>\n\t<loadInformation>sip88xx.14</loadInformation>\n"
                       "\t<capfAuthMode>2</capfAuthMode>\n</device>\n";
    pt_buf_init(&xml);
    assert_int_equal(pt_enc_stub_xml(&xml, phone, (const uint8_t *)own, sizeof own - 1, &d), PT_OK);
    pt_buf_put_u8(&xml, 0);
    const char *got = (const char *)xml.data;
    const char *want_head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n  <fullConfig>false</fullConfig>\n"
                            "  <ipAddressMode>0</ipAddressMode>\n  <capfList>\n    <capf>\n"
                            "      <phonePort>3804</phonePort>\n      <!-- c -->\n"
                            "      <processNodeName>pub</processNodeName>\n    </capf>\n  </capfList>\n"
                            "  <loadInformation>sip88xx.14</loadInformation>\n  <capfAuthMode>2</capfAuthMode>\n"
                            "  <certHash>";
    assert_memory_equal(got, want_head, strlen(want_head));
    assert_non_null(strstr(got, "</certHash>\n  <encrConfig>true</encrConfig>\n</device>\n"));
    pt_buf_free(&xml);
    free(plain);
    free(stub);
    X509_free(phone);
}

static void deterministic_first_block(void **state)
{
    (void)state;
    /* §4.6: IV 00..0f, key 10..1f -> first block 28ab21b2aeb24b69f9e536561d2faa1e */
    EVP_PKEY *ccmk = NULL;
    X509 *ccm = NULL, *phone = NULL;
    tu_pem("vectors/certs/ccm.pem", &ccmk, &ccm);
    tu_pem("vectors/capf/SEP001122334455.lsc1.pem", NULL, &phone);
    uint8_t iv[16], key[16];
    for (int i = 0; i < 16; i++) {
        iv[i] = (uint8_t)i;
        key[i] = (uint8_t)(0x10 + i);
    }
    size_t plen;
    uint8_t *plain = tu_read("vectors/sgn/SEP001122334455.cnf.xml.plain", &plen);
    pt_signer s;
    pt_diag d;
    pt_signer_init_key(&s, ccmk, ccm, &d);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "SEP001122334455.cnf.xml.enc.sgn";
    pt_buf b;
    pt_buf_init(&b);
    assert_int_equal(pt_enc_encrypt(&b, &s, &o, phone, plain, plen, iv, key, &d), PT_OK);
    pt_header h;
    assert_int_equal(pt_header_parse(b.data, b.len, &h, &d), PT_OK);
    const uint8_t first[] = {0x28, 0xab, 0x21, 0xb2, 0xae, 0xb2, 0x4b, 0x69,
                             0xf9, 0xe5, 0x36, 0x56, 0x1d, 0x2f, 0xaa, 0x1e};
    assert_memory_equal(b.data + h.length, first, 16);
    assert_int_equal(b.len - h.length, 432);
    assert_int_equal(h.length, 764); /* the vector's header length */
    assert_int_equal(h.enc_padding, 2);
    pt_header_free(&h);
    pt_buf_free(&b);
    pt_signer_free(&s);
    free(plain);
    EVP_PKEY_free(ccmk);
    X509_free(ccm);
    X509_free(phone);
}

/* Damage an encrypted file three ways; each is caught by the check meant for
 * it (CBC: flipping ciphertext byte j of block k garbles plaintext block k
 * and flips byte j of block k+1, nothing else):
 *  - any byte, with the signer's certificate: the signature;
 *  - the last byte of the next-to-last block, unsigned: it flips the last
 *    padding byte, so the padding check (PT_ERR_DECRYPT);
 *  - the first block, unsigned: the padding is intact and only the digest
 *    of the plaintext (tag 27) can tell (PT_ERR_DIGEST). */
static void expect_tampering_caught(pt_buf *b, EVP_PKEY *pk, X509 *signer)
{
    pt_header h;
    pt_diag d;
    assert_int_equal(pt_header_parse(b->data, b->len, &h, &d), PT_OK);
    size_t body = h.length, blocks = (b->len - body) / 16;
    pt_header_free(&h);
    assert_true(blocks >= 3);
    pt_buf out;
    size_t at[3] = {b->len - 1, b->len - 17, body + 3};
    int want_signed[3] = {PT_ERR_SIGNATURE, PT_ERR_SIGNATURE, PT_ERR_SIGNATURE};
    int want_unsigned[3] = {PT_ERR_DECRYPT, PT_ERR_DECRYPT, PT_ERR_DIGEST};
    for (int k = 0; k < 3; k++) {
        b->data[at[k]] ^= 1;
        pt_buf_init(&out);
        assert_int_equal(pt_enc_decrypt(b->data, b->len, pk, signer, &out, &d), want_signed[k]);
        assert_int_equal(out.len, 0);
        if (k) { /* the last block garbled (k == 0) may happen to end in a valid pad */
            assert_int_equal(pt_enc_decrypt(b->data, b->len, pk, NULL, &out, &d), want_unsigned[k]);
            assert_int_equal(out.len, 0);
        }
        pt_buf_free(&out);
        b->data[at[k]] ^= 1;
    }
    /* a padding count of 0 (tag 20) is malformed, not a digest mismatch */
    assert_int_equal(pt_header_parse(b->data, b->len, &h, &d), PT_OK);
    size_t pad_at = 0;
    for (size_t i = 0; i < h.n_items; i++)
        if (h.items[i].tag == PT_HDR_ENC_PADDING)
            pad_at = h.items[i].offset + 3;
    pt_header_free(&h);
    assert_true(pad_at > 0);
    uint8_t keep[2] = {b->data[pad_at], b->data[pad_at + 1]};
    b->data[pad_at] = b->data[pad_at + 1] = 0;
    pt_buf_init(&out);
    assert_int_equal(pt_enc_decrypt(b->data, b->len, pk, NULL, &out, &d), PT_ERR_FORMAT);
    pt_buf_free(&out);
    b->data[pad_at] = keep[0];
    b->data[pad_at + 1] = keep[1];
    /* undamaged again: it decrypts */
    pt_buf_init(&out);
    assert_int_equal(pt_enc_decrypt(b->data, b->len, pk, signer, &out, &d), PT_OK);
    pt_buf_free(&out);
}

static void round_trips_and_tampering(void **state)
{
    (void)state;
    EVP_PKEY *tk, *pk;
    X509 *tc, *pc;
    tu_make_cert(PT_KEY_RSA, 2048, NULL, "cucm-pub", &tk, &tc);
    tu_make_cert(PT_KEY_RSA, 2048, NULL, "SEP001122334455", &pk, &pc);
    pt_signer s;
    pt_diag d;
    pt_signer_init_key(&s, tk, tc, &d);
    const char *head = "<device><deviceProtocol>SIP</deviceProtocol><sshUserId>admin</sshUserId>";
    size_t lens[] = {96, 111, 112, 127, 160, 175, 1023, 1024};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        for (int hash = 1; hash <= 3; hash++) {
            size_t n = lens[li];
            char *xml = malloc(n + 1);
            memset(xml, 'x', n);
            memcpy(xml, head, strlen(head));
            memcpy(xml + n - 9, "</device>", 9);
            pt_sign_opts o;
            pt_sign_opts_init(&o);
            o.filename = "SEP001122334455.cnf.xml.enc.sgn";
            o.hash = hash;
            pt_buf b, out;
            pt_buf_init(&b);
            pt_buf_init(&out);
            assert_int_equal(pt_enc_encrypt(&b, &s, &o, pc, (uint8_t *)xml, n, NULL, NULL, &d), PT_OK);
            pt_header h;
            pt_header_parse(b.data, b.len, &h, &d);
            assert_int_equal(h.enc_padding, 16 - n % 16);
            assert_int_equal((b.len - h.length) % 16, 0);
            assert_int_equal(h.enc_hash_alg, hash);
            pt_header_free(&h);
            assert_int_equal(pt_enc_decrypt(b.data, b.len, pk, tc, &out, &d), PT_OK);
            assert_int_equal(out.len, n);
            assert_memory_equal(out.data, xml, n);
            pt_buf_free(&out);
            expect_tampering_caught(&b, pk, tc);
            pt_buf_free(&b);
            free(xml);
        }
    }
    /* an EC phone certificate cannot be encrypted to */
    EVP_PKEY *ek;
    X509 *ec;
    tu_make_cert(PT_KEY_EC, 0, "secp256r1", "SEP0011223344EC", &ek, &ec);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "x.enc.sgn";
    pt_buf b;
    pt_buf_init(&b);
    const char xml[] = "<device></device>";
    assert_int_equal(pt_enc_encrypt(&b, &s, &o, ec, (const uint8_t *)xml, sizeof xml - 1, NULL, NULL, &d),
                     PT_ERR_UNSUPPORTED);
    /* a plain .sgn is not an encrypted file */
    pt_buf_free(&b);
    pt_buf_init(&b);
    assert_int_equal(pt_sgn_build(&b, &s, &o, (const uint8_t *)xml, sizeof xml - 1, &d), PT_OK);
    pt_buf out;
    pt_buf_init(&out);
    assert_int_equal(pt_enc_decrypt(b.data, b.len, pk, tc, &out, &d), PT_ERR_MISSING_TAG);
    pt_buf_free(&out);
    pt_buf_free(&b);
    pt_signer_free(&s);
    EVP_PKEY_free(ek); X509_free(ec);
    EVP_PKEY_free(tk); X509_free(tc);
    EVP_PKEY_free(pk); X509_free(pc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vector_decrypts_to_its_plaintext),
        cmocka_unit_test(stub_matches_the_vector),
        cmocka_unit_test(deterministic_first_block),
        cmocka_unit_test(round_trips_and_tampering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
