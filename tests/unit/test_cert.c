/*
 * test_cert.c - certificate profiles of §7 and the PEM files they go into.
 */
#include "testutil.h"

#include "phonetrust/cert.h"
#include "phonetrust/constants.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

static char *subject_of(X509 *x)
{
    return pt_name_string(X509_get_subject_name(x), ',');
}

static void server_profile_matches_mkcert(void **state)
{
    (void)state;
    pt_cert_spec s;
    pt_cert_spec_init(&s);
    s.cn = "Cucm-Pub Example";
    s.o = "Org, Inc+X";
    s.ou = "Voice";
    s.l = "Wellington";
    s.st = "WLG";
    s.c = "NZ";
    s.now = 1700000000; /* 2023-11-14 22:13:20 */
    EVP_PKEY *k;
    X509 *x;
    pt_diag d;
    assert_int_equal(pt_cert_create(&s, &k, &x, &d), PT_OK);
    char *subj = subject_of(x);
    assert_string_equal(subj, "CN=Cucm-Pub Example,O=Org\\, Inc\\+X,OU=Voice,L=Wellington,ST=WLG,C=NZ");
    free(subj);
    assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
    assert_int_equal(X509_get_version(x), X509_VERSION_3);
    /* from today 00:00:00Z, 10 years */
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), 1699920000), 0);
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), 2015539200), 0);
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
    assert_non_null(bc);
    assert_true(bc->ca);
    assert_int_equal(ASN1_INTEGER_get(bc->pathlen), 0);
    BASIC_CONSTRAINTS_free(bc);
    assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT |
                                                KU_DATA_ENCIPHERMENT | KU_KEY_CERT_SIGN | KU_CRL_SIGN);
    assert_true(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
    assert_true(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
    GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    assert_int_equal(sk_GENERAL_NAME_num(san), 1);
    GENERAL_NAME *gn = sk_GENERAL_NAME_value(san, 0);
    assert_int_equal(gn->type, GEN_DNS);
    assert_string_equal((const char *)ASN1_STRING_get0_data(gn->d.dNSName), "cucm-pub example");
    GENERAL_NAMES_free(san);
    assert_non_null(X509_get0_subject_key_id(x));
    assert_int_equal(X509_verify(x, k), 1);
    assert_int_equal(EVP_PKEY_get_bits(k), 2048);
    uint8_t serial[64];
    size_t sn;
    assert_int_equal(pt_cert_serial(x, serial, &sn), PT_OK);
    assert_true(sn >= 14 && sn <= 16);
    /* legacy separator */
    char *legacy = pt_name_string(X509_get_subject_name(x), ';');
    assert_string_equal(legacy, "CN=Cucm-Pub Example;O=Org\\, Inc\\+X;OU=Voice;L=Wellington;ST=WLG;C=NZ");
    free(legacy);
    EVP_PKEY_free(k);
    X509_free(x);
}

static void cucm_order_and_ec_keys(void **state)
{
    (void)state;
    pt_cert_spec s;
    pt_cert_spec_init(&s);
    s.cn = "test10pub-EC";
    s.o = "cisco";
    s.ou = "tac";
    s.l = "rtp";
    s.st = "nc";
    s.c = "US";
    s.cucm_order = 1;
    s.key_type = PT_KEY_EC;
    s.curve = "secp384r1";
    EVP_PKEY *k;
    X509 *x;
    pt_diag d;
    assert_int_equal(pt_cert_create(&s, &k, &x, &d), PT_OK);
    char *subj = pt_name_string(X509_get_subject_name(x), ';');
    assert_string_equal(subj, "CN=test10pub-EC;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
    free(subj);
    assert_int_equal(EVP_PKEY_get_base_id(k), EVP_PKEY_EC);
    pt_buf pub;
    pt_buf_init(&pub);
    assert_int_equal(pt_cert_pubkey_bytes(x, &pub), PT_OK);
    assert_int_equal(pub.len, 97); /* 04 || X || Y for P-384 */
    assert_int_equal(pub.data[0], 0x04);
    pt_buf_free(&pub);
    /* PEM: SEC1 key then the certificate; reloads to the same pair */
    pt_buf pem;
    pt_buf_init(&pem);
    assert_int_equal(pt_pem_write(&pem, k, x), PT_OK);
    assert_non_null(memmem(pem.data, pem.len, "-----BEGIN EC PRIVATE KEY-----", 30));
    assert_true(pem.secret);
    EVP_PKEY *k2;
    X509 *x2;
    assert_int_equal(pt_pem_load_mem(pem.data, pem.len, "mem", &k2, &x2, &d), PT_OK);
    assert_int_equal(X509_cmp(x, x2), 0);
    assert_int_equal(EVP_PKEY_eq(k, k2), 1);
    EVP_PKEY_free(k2);
    X509_free(x2);
    pt_buf_free(&pem);
    EVP_PKEY_free(k);
    X509_free(x);
    s.curve = "secp192r1";
    assert_int_equal(pt_cert_create(&s, &k, &x, &d), PT_ERR_ARG);
}

static void ca_leaf_and_lsc_profiles(void **state)
{
    (void)state;
    pt_cert_spec s;
    pt_cert_spec_init(&s);
    s.profile = PT_PROFILE_CA;
    s.cn = "Cisco Manufacturing CA";
    s.o = "Cisco Systems";
    s.years = 20;
    EVP_PKEY *cak;
    X509 *ca;
    pt_diag d;
    assert_int_equal(pt_cert_create(&s, &cak, &ca, &d), PT_OK);
    assert_int_equal(X509_get_key_usage(ca), KU_KEY_CERT_SIGN | KU_CRL_SIGN);

    /* a MIC/eToken-style leaf issued by it */
    pt_cert_spec_init(&s);
    s.profile = PT_PROFILE_LEAF;
    s.cn = "SAST-ADN008580ef";
    s.ou = "IPCBU";
    s.o = "Cisco Systems";
    s.issuer_key = cak;
    s.issuer_cert = ca;
    EVP_PKEY *lk;
    X509 *leaf;
    assert_int_equal(pt_cert_create(&s, &lk, &leaf, &d), PT_OK);
    assert_int_equal(X509_verify(leaf, cak), 1);
    assert_int_equal(X509_check_issued(ca, leaf), X509_V_OK);
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(leaf, NID_basic_constraints, NULL, NULL);
    assert_false(bc->ca);
    BASIC_CONSTRAINTS_free(bc);

    /* an LSC: CN=<device> + the issuer's other attributes; SAN URI */
    EVP_PKEY *capk;
    X509 *capf;
    tu_pem("vectors/certs/capf.pem", &capk, &capf);
    pt_cert_spec_init(&s);
    s.profile = PT_PROFILE_LSC;
    s.cn = "SEP001122334455";
    s.days = 365;
    s.issuer_key = capk;
    s.issuer_cert = capf;
    s.subject_key = lk; /* the key the phone sent */
    EVP_PKEY *k;
    X509 *lsc;
    assert_int_equal(pt_cert_create(&s, &k, &lsc, &d), PT_OK);
    assert_ptr_equal(k, lk);
    char *subj = subject_of(lsc);
    assert_string_equal(subj, "CN=SEP001122334455,O=CAPF,OU=CAPF");
    free(subj);
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(lsc), X509_get_subject_name(capf)), 0);
    assert_int_equal(X509_verify(lsc, capk), 1);
    assert_int_equal(X509_get_key_usage(lsc), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
    int crit = -1;
    bc = X509_get_ext_d2i(lsc, NID_basic_constraints, &crit, NULL);
    assert_false(bc->ca);
    assert_int_equal(crit, 1);
    BASIC_CONSTRAINTS_free(bc);
    GENERAL_NAMES *san = X509_get_ext_d2i(lsc, NID_subject_alt_name, NULL, NULL);
    assert_int_equal(sk_GENERAL_NAME_value(san, 0)->type, GEN_URI);
    GENERAL_NAMES_free(san);
    assert_null(X509_get0_subject_key_id(lsc));
    EVP_PKEY_free(k);
    X509_free(lsc);
    /* leaf and LSC profiles need an issuer */
    s.issuer_key = NULL;
    assert_int_equal(pt_cert_create(&s, &k, &lsc, &d), PT_ERR_ARG);
    EVP_PKEY_free(lk);
    X509_free(leaf);
    EVP_PKEY_free(cak);
    X509_free(ca);
    EVP_PKEY_free(capk);
    X509_free(capf);
}

static void pem_loading_errors_name_the_file(void **state)
{
    (void)state;
    pt_diag d;
    EVP_PKEY *k;
    X509 *x;
    const char junk[] = "not a pem\n";
    assert_int_equal(pt_pem_load_mem((const uint8_t *)junk, sizeof junk - 1, "junk.pem", &k, NULL, &d), PT_ERR_KEY);
    assert_non_null(strstr(d.msg, "junk.pem: no usable private key"));
    assert_int_equal(pt_pem_load("/nonexistent/x.pem", NULL, &x, &d), PT_ERR_IO);
    assert_non_null(strstr(d.msg, "/nonexistent/x.pem"));
    /* a certificate-only file has no key */
    size_t len;
    uint8_t *pem = tu_read("vectors/capf/issued/SEP001122334455.pem", &len);
    assert_int_equal(pt_pem_load_mem(pem, len, "issued.pem", NULL, &x, &d), PT_OK);
    X509_free(x);
    assert_int_equal(pt_pem_load_mem(pem, len, "issued.pem", &k, &x, &d), PT_ERR_KEY);
    free(pem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_profile_matches_mkcert),
        cmocka_unit_test(cucm_order_and_ec_keys),
        cmocka_unit_test(ca_leaf_and_lsc_profiles),
        cmocka_unit_test(pem_loading_errors_name_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
