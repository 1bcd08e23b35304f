/*
 * test_trustlist.c - ITL/CTL: every vector and real file against the
 * reference listings, golden builds, round trips for every role, hash, key
 * type and size, signer location, and record-level errors.
 */
#include "testutil.h"

#include "phonetrust/constants.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- our parse, rendered as the reference parser's "Key: value" list ---- */

static size_t add(tu_kv *kv, size_t n, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t add(tu_kv *kv, size_t n, const char *k, const char *fmt, ...)
{
    snprintf(kv[n].key, sizeof kv[n].key, "%s", k);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(kv[n].value, sizeof kv[n].value, fmt, ap);
    va_end(ap);
    return n + 1;
}

static size_t our_listing(const pt_trustlist *tl, int verified, tu_kv *kv)
{
    const pt_header *h = &tl->hdr;
    char hex[1024];
    size_t n = 0;
    n = add(kv, n, "Version", "%u.%u", h->version[0], h->version[1]);
    n = add(kv, n, "Header Length", "%u bytes", h->length);
    if (h->has_signer_version)
        n = add(kv, n, "Signer Version", "%u.%u", h->signer_version[0], h->signer_version[1]);
    n = add(kv, n, "Signer Name", "%.*s", (int)h->signer_name.n, h->signer_name.p);
    n = add(kv, n, "Issuer Name", "%.*s", (int)h->issuer_name.n, h->issuer_name.p);
    n = add(kv, n, "Serial Number", "%s", pt_hex(h->serial.p, h->serial.n, hex));
    n = add(kv, n, "Digest Algorithm", "%s", pt_hash_name(h->hash));
    n = add(kv, n, "Signature", "%zu bytes", h->signature.n);
    n = add(kv, n, "Filename", "%.*s", (int)h->filename.n, h->filename.p);
    time_t t = h->timestamp;
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    n = add(kv, n, "Timestamp", "%s", when);
    for (size_t i = 0; i < tl->n_recs; i++) {
        const pt_record *r = &tl->recs[i];
        n = add(kv, n, "Record Length", "%u bytes", r->length);
        for (size_t k = 1; k < r->n_items; k++) {
            const pt_item *it = &r->items[k];
            switch (it->tag) {
            case PT_REC_DNS_NAME: n = add(kv, n, "DNS Name", "%.*s", (int)r->dns_name.n, r->dns_name.p); break;
            case PT_REC_SUBJECT_NAME: n = add(kv, n, "Subject Name", "%.*s", (int)r->subject.n, r->subject.p); break;
            case PT_REC_ROLE: n = add(kv, n, "Role", "%s", pt_role_name(r->role)); break;
            case PT_REC_ISSUER_NAME: n = add(kv, n, "Issuer Name", "%.*s", (int)r->issuer.n, r->issuer.p); break;
            case PT_REC_SERIAL_NUMBER: n = add(kv, n, "Serial Numer", "%s", pt_hex(it->val, it->len, hex)); break;
            case PT_REC_PUBLIC_KEY: n = add(kv, n, "Public Key", "%u bytes", it->len); break;
            case PT_REC_SIGNATURE: n = add(kv, n, "Signature", "%u bytes", it->len); break;
            case PT_REC_CERTIFICATE: n = add(kv, n, "Certificate", "%u bytes", it->len); break;
            case PT_REC_CERTIFICATE_HASH: n = add(kv, n, "Certificate Hash", "%s", pt_hex(it->val, it->len, hex)); break;
            default: break;
            }
        }
        if (r->certificate.n) {
            X509 *x = pt_cert_from_der(r->certificate.p, r->certificate.n);
            assert_non_null(x);
            n = add(kv, n, "Key Algorithm", "%s", pt_cert_is_rsa(x) ? "RSA" : "EC");
            X509_free(x);
            uint8_t dg[20];
            size_t dn;
            pt_digest(PT_HASH_SHA1, r->certificate.p, r->certificate.n, dg, &dn);
            n = add(kv, n, "Certificate Hash", "%s", pt_hex(dg, dn, hex));
        }
    }
    n = add(kv, n, verified ? "Valid signature" : "Invalid signature", "%s", "");
    return n;
}

static void check_against_listing(const char *file, const char *listing)
{
    size_t len;
    uint8_t *data = tu_read(file, &len);
    pt_trustlist tl;
    pt_diag d;
    int rc = pt_tl_parse(data, len, &tl, &d);
    if (rc)
        fail_msg("%s: %s", file, d.msg);
    int verified = pt_tl_verify(&tl, NULL, &d) == PT_OK;
    static tu_kv want[400], got[400];
    size_t nw = tu_read_listing(listing, want, 400);
    size_t ng = our_listing(&tl, verified, got);
    for (size_t i = 0; i < nw && i < ng; i++) {
        if (strcmp(want[i].key, got[i].key) || strcmp(want[i].value, got[i].value))
            fail_msg("%s line %zu: want '%s: %s', got '%s: %s'", file, i, want[i].key, want[i].value,
                     got[i].key, got[i].value);
    }
    assert_int_equal(nw, ng);
    pt_tl_free(&tl);
    free(data);
}

static void every_vector_and_real_file_matches_its_listing(void **state)
{
    (void)state;
    check_against_listing("vectors/tlv/tiny.tlv", "vectors/tlv/tiny.parse.txt");
    check_against_listing("vectors/tlv/ITLFile.tlv", "vectors/tlv/ITLFile.parse.txt");
    check_against_listing("vectors/tlv/ITLFile-v11-sha512.tlv", "vectors/tlv/ITLFile-v11-sha512.parse.txt");
    check_against_listing("vectors/tlv/CTLSEP001122334455.tlv", "vectors/tlv/CTLSEP001122334455.parse.txt");
    check_against_listing("vectors/tlv/ITL-hashrecord-synthetic.tlv", "vectors/tlv/ITL-hashrecord-synthetic.parse.txt");
    check_against_listing("real/itl-csptech-ITLFile.tlv", "real/itl-csptech-ITLFile.tlv.tlvfile.txt");
    check_against_listing("real/itl-buba0-ITLFile.tlv", "real/itl-buba0-ITLFile.tlv.tlvfile.txt");
}

static void golden_vectors_are_reproduced_byte_for_byte(void **state)
{
    (void)state;
    struct {
        const char *signer, *want, *filename;
        int layout, hash, sv;
        const char *records[4][2];
    } cases[] = {
        {"vectors/certs/tiny-sast.pem", "vectors/tlv/tiny-1700000000.tlv", "tiny.tlv", PT_LAYOUT_CURRENT,
         PT_HASH_SHA1, 0x0100, {{0}}},
        {"vectors/certs/tiny-sast.pem", "vectors/tlv/tiny-1700000000-v4.12.tlv", "tiny.tlv", PT_LAYOUT_LEGACY,
         PT_HASH_SHA1, 0x0100, {{0}}},
        {"vectors/certs/sast.pem", "vectors/tlv/ITLFile-1700000000-sha512.tlv", "ITLFile.tlv", PT_LAYOUT_CURRENT,
         PT_HASH_SHA512, 0x0101,
         {{"ccm", "vectors/certs/ccm.pem"}, {"tftp", "vectors/certs/apache-ec.pem"},
          {"tvs", "vectors/certs/tvs.pem"}, {"capf", "vectors/certs/capf.pem"}}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        EVP_PKEY *key = NULL;
        X509 *cert = NULL;
        tu_pem(cases[c].signer, &key, &cert);
        pt_signer s;
        pt_diag d;
        assert_int_equal(pt_signer_init_key(&s, key, cert, &d), PT_OK);
        pt_tl_entry e[5] = {{.cert = cert, .role = PT_ROLE_SAST}};
        size_t n = 1;
        for (size_t r = 0; r < 4 && cases[c].records[r][0]; r++, n++) {
            tu_pem(cases[c].records[r][1], NULL, &e[n].cert);
            e[n].role = pt_role_from_name(cases[c].records[r][0]);
        }
        pt_sign_opts o;
        pt_sign_opts_init(&o);
        o.timestamp = 1700000000;
        o.filename = cases[c].filename;
        o.layout = cases[c].layout;
        o.hash = cases[c].hash;
        o.signer_version = cases[c].sv;
        pt_buf b;
        pt_buf_init(&b);
        assert_int_equal(pt_tl_build(&b, &s, &o, e, n, &d), PT_OK);
        size_t wlen;
        uint8_t *want = tu_read(cases[c].want, &wlen);
        assert_int_equal(b.len, wlen);
        assert_memory_equal(b.data, want, wlen);
        free(want);
        pt_buf_free(&b);
        for (size_t r = 1; r < n; r++)
            X509_free(e[r].cert);
        pt_signer_free(&s);
        EVP_PKEY_free(key);
        X509_free(cert);
    }
}

/* ---- round trips ---- */

static const int all_roles[] = {PT_ROLE_SAST, PT_ROLE_CCM, PT_ROLE_CCM_TFTP, PT_ROLE_TFTP,
                                PT_ROLE_CAPF, PT_ROLE_APP_SERVER, PT_ROLE_TVS};

static void round_trip_every_role_hash_key_type_and_size(void **state)
{
    (void)state;
    static const int signer_bits[] = {512, 1024, 2048, 4096};
    static const int hashes[] = {PT_HASH_SHA1, PT_HASH_SHA256, PT_HASH_SHA512};
    static const char *curves[] = {"secp256r1", "secp384r1", "secp521r1"};
    EVP_PKEY *rkey[4], *ekey[3], *rec_key;
    X509 *rcert[4], *ecert[3], *rec_cert;
    for (int i = 0; i < 4; i++)
        tu_make_cert(PT_KEY_RSA, signer_bits[i], NULL, "Signer", &rkey[i], &rcert[i]);
    for (int i = 0; i < 3; i++)
        tu_make_cert(PT_KEY_EC, 0, curves[i], "EC Server", &ekey[i], &ecert[i]);
    tu_make_cert(PT_KEY_RSA, 2048, NULL, "cucm-pub.example.com", &rec_key, &rec_cert);

    /* entries: the signer, every role (full and hash-only), and EC records */
    pt_tl_entry e[1 + 2 * 7 + 3];
    size_t n = 1;
    for (size_t r = 0; r < 7; r++) {
        e[n++] = (pt_tl_entry){.cert = rec_cert, .role = all_roles[r], .dns_name = "cucm-pub",
                               .has_ip = 1, .ip = {192, 0, 2, (uint8_t)r}};
        e[n++] = (pt_tl_entry){.cert = rec_cert, .role = all_roles[r], .hash_only = 1};
    }
    for (int i = 0; i < 3; i++)
        e[n++] = (pt_tl_entry){.cert = ecert[i], .role = PT_ROLE_TFTP};

    for (int k = 0; k < 4; k++) {
        for (int hi = 0; hi < 3; hi++) {
            if (signer_bits[k] == 512 && hashes[hi] == PT_HASH_SHA512)
                continue; /* cannot fit (tested below) */
            for (int layout = 0; layout < 2; layout++) {
                pt_signer s;
                pt_diag d;
                assert_int_equal(pt_signer_init_key(&s, rkey[k], rcert[k], &d), PT_OK);
                e[0] = (pt_tl_entry){.cert = rcert[k], .role = PT_ROLE_SAST};
                pt_sign_opts o;
                pt_sign_opts_init(&o);
                o.filename = "ITLFile.tlv";
                o.hash = hashes[hi];
                o.layout = layout;
                o.signer_version = layout ? PT_SIGNER_VERSION_NONE : 0x0101;
                pt_buf b;
                pt_buf_init(&b);
                int rc = pt_tl_build(&b, &s, &o, e, n, &d);
                if (rc)
                    fail_msg("build RSA-%d %s layout %d: %s", signer_bits[k], pt_hash_name(hashes[hi]), layout, d.msg);
                pt_trustlist tl;
                assert_int_equal(pt_tl_parse(b.data, b.len, &tl, &d), PT_OK);
                int signer = -1;
                assert_int_equal(pt_tl_verify(&tl, &signer, &d), PT_OK);
                assert_int_equal(signer, 0);
                assert_int_equal(tl.hdr.hash, hashes[hi]);
                assert_int_equal(tl.hdr.signature.n, (size_t)signer_bits[k] / 8);
                assert_int_equal(tl.hdr.has_signer_version, layout == 0);
                assert_int_equal(tl.n_recs, n);
                pt_buf der;
                for (size_t r = 0; r < n; r++) {
                    assert_int_equal(tl.recs[r].role, e[r].role);
                    pt_buf_init(&der);
                    pt_cert_der(e[r].cert, &der);
                    assert_true(pt_record_matches_cert(&tl.recs[r], der.data, der.len));
                    assert_int_equal(pt_record_is_hash_only(&tl.recs[r]), e[r].hash_only);
                    char *subj = pt_name_string(X509_get_subject_name(e[r].cert), pt_layout_sep(layout));
                    assert_int_equal(tl.recs[r].subject.n, strlen(subj));
                    assert_memory_equal(tl.recs[r].subject.p, subj, strlen(subj));
                    free(subj);
                    if (e[r].dns_name)
                        assert_memory_equal(tl.recs[r].dns_name.p, "cucm-pub", 8);
                    if (e[r].has_ip)
                        assert_memory_equal(tl.recs[r].ip_address.p, e[r].ip, 4);
                    pt_buf_free(&der);
                }
                /* tag order inside a record follows the layout */
                const pt_record *r1 = &tl.recs[1];
                assert_int_equal(r1->items[1].tag, PT_REC_DNS_NAME);
                assert_int_equal(r1->items[2].tag, PT_REC_SUBJECT_NAME);
                assert_int_equal(r1->items[3].tag, layout ? PT_REC_ROLE : PT_REC_ISSUER_NAME);
                assert_int_equal(r1->items[r1->n_items - 1].tag, PT_REC_IP_ADDRESS);
                pt_tl_free(&tl);
                pt_buf_free(&b);
                pt_signer_free(&s);
            }
        }
    }
    /* RSA-512 cannot carry SHA-512; EC keys cannot sign */
    pt_signer s;
    pt_diag d;
    assert_int_equal(pt_signer_init_key(&s, rkey[0], rcert[0], &d), PT_OK);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "x.tlv";
    o.hash = PT_HASH_SHA512;
    pt_buf b;
    pt_buf_init(&b);
    e[0] = (pt_tl_entry){.cert = rcert[0], .role = PT_ROLE_SAST};
    assert_int_equal(pt_tl_build(&b, &s, &o, e, 1, &d), PT_ERR_UNSUPPORTED);
    pt_buf_free(&b);
    pt_signer_free(&s);
    assert_int_equal(pt_signer_init_key(&s, ekey[0], ecert[0], &d), PT_ERR_KEY);
    assert_int_equal(pt_signer_init_key(&s, rkey[1], rcert[2], &d), PT_ERR_KEY); /* key/cert mismatch */

    for (int i = 0; i < 4; i++) {
        EVP_PKEY_free(rkey[i]);
        X509_free(rcert[i]);
    }
    for (int i = 0; i < 3; i++) {
        EVP_PKEY_free(ekey[i]);
        X509_free(ecert[i]);
    }
    EVP_PKEY_free(rec_key);
    X509_free(rec_cert);
}

static void verification_names_the_signing_record(void **state)
{
    (void)state;
    EVP_PKEY *ka, *kb, *kc;
    X509 *ca, *cb, *cc;
    tu_make_cert(PT_KEY_RSA, 1024, NULL, "cucm-pub", &ka, &ca);
    tu_make_cert(PT_KEY_RSA, 1024, NULL, "ITLRECOVERY_cucm-pub", &kb, &cb);
    tu_make_cert(PT_KEY_RSA, 1024, NULL, "outsider", &kc, &cc);
    pt_tl_entry e[] = {{.cert = ca, .role = PT_ROLE_SAST}, {.cert = ca, .role = PT_ROLE_TFTP},
                       {.cert = cb, .role = PT_ROLE_SAST}};
    struct { EVP_PKEY *k; X509 *c; int want; int rc; } cases[] = {
        {ka, ca, 0, PT_OK}, {kb, cb, 2, PT_OK}, {kc, cc, -1, PT_ERR_NO_SIGNER}};
    for (size_t i = 0; i < 3; i++) {
        pt_signer s;
        pt_diag d;
        pt_signer_init_key(&s, cases[i].k, cases[i].c, &d);
        pt_sign_opts o;
        pt_sign_opts_init(&o);
        o.filename = "ITLFile.tlv";
        o.layout = PT_LAYOUT_LEGACY;
        pt_buf b;
        pt_buf_init(&b);
        assert_int_equal(pt_tl_build(&b, &s, &o, e, 3, &d), PT_OK);
        pt_trustlist tl;
        assert_int_equal(pt_tl_parse(b.data, b.len, &tl, &d), PT_OK);
        int signer = 99;
        assert_int_equal(pt_tl_verify(&tl, &signer, &d), cases[i].rc);
        assert_int_equal(signer, cases[i].want);
        assert_int_equal(pt_tl_signer_index(&tl), cases[i].want);
        /* a signer the list does not carry verifies with its certificate */
        assert_int_equal(pt_tl_verify_with(&tl, cases[i].c, &d), PT_OK);
        assert_int_not_equal(pt_tl_verify_with(&tl, cases[(i + 1) % 3].c, &d), PT_OK);
        pt_tl_free(&tl);
        pt_buf_free(&b);
        pt_signer_free(&s);
    }
    /* a hash-only SAST record can never be the signer */
    pt_tl_entry h[] = {{.cert = ca, .role = PT_ROLE_SAST, .hash_only = 1}};
    pt_signer s;
    pt_diag d;
    pt_signer_init_key(&s, ka, ca, &d);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "ITLFile.tlv";
    pt_buf b;
    pt_buf_init(&b);
    assert_int_equal(pt_tl_build(&b, &s, &o, h, 1, &d), PT_OK);
    pt_trustlist tl;
    assert_int_equal(pt_tl_parse(b.data, b.len, &tl, &d), PT_OK);
    assert_int_equal(pt_tl_verify(&tl, NULL, &d), PT_ERR_NO_SIGNER);
    assert_non_null(strstr(d.msg, "no SAST record with a certificate has the signer's serial number"));
    pt_tl_free(&tl);
    pt_buf_free(&b);
    pt_signer_free(&s);
    EVP_PKEY_free(ka); EVP_PKEY_free(kb); EVP_PKEY_free(kc);
    X509_free(ca); X509_free(cb); X509_free(cc);
}

static void lists_of_64k_or_more_are_refused(void **state)
{
    (void)state;
    EVP_PKEY *k;
    X509 *c;
    tu_make_cert(PT_KEY_RSA, 2048, NULL, "big", &k, &c);
    pt_tl_entry e[50];
    for (int i = 0; i < 50; i++)
        e[i] = (pt_tl_entry){.cert = c, .role = i ? PT_ROLE_TVS : PT_ROLE_SAST};
    pt_signer s;
    pt_diag d;
    pt_signer_init_key(&s, k, c, &d);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "ITLFile.tlv";
    pt_buf b;
    pt_buf_init(&b);
    assert_int_equal(pt_tl_build(&b, &s, &o, e, 50, &d), PT_ERR_TOO_LARGE);
    assert_non_null(strstr(d.msg, "64 KB"));
    pt_buf_free(&b);
    pt_signer_free(&s);
    EVP_PKEY_free(k);
    X509_free(c);
}

static int parse_mod(const uint8_t *data, size_t len, pt_diag *d)
{
    uint8_t *c = malloc(len);
    memcpy(c, data, len);
    pt_trustlist tl;
    int rc = pt_tl_parse(c, len, &tl, d);
    pt_tl_free(&tl);
    free(c);
    return rc;
}

static void record_errors_say_where_and_what(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tu_read("vectors/tlv/ITLFile.tlv", &len);
    pt_diag d;
    char msg[600];
    /* truncated inside record 3's certificate */
    assert_int_equal(parse_mod(data, 4500, &d), PT_ERR_TRUNCATED);
    assert_string_equal(pt_diag_format(&d, PT_ERR_TRUNCATED, msg, sizeof msg),
                        "offset 0xfb2: record 3: tag 9 length 862 runs past the end of the file (4500 bytes)");
    /* truncated inside record 2's RECORD_LENGTH item */
    assert_int_equal(parse_mod(data, 1875, &d), PT_ERR_TRUNCATED);
    assert_non_null(strstr(d.msg, "record 2: the file ends (1875 bytes) inside the RECORD_LENGTH item"));

    uint8_t *c = malloc(len);
    /* unknown record tag: record 1's SUBJECT_NAME (at 393) renumbered 13 */
    memcpy(c, data, len);
    c[393] = 13;
    assert_int_equal(parse_mod(c, len, &d), PT_ERR_UNKNOWN_TAG);
    assert_non_null(strstr(d.msg, "record 1: unknown tag 13"));
    /* missing role: record 1's ROLE (at 464) renumbered as DNS_NAME */
    memcpy(c, data, len);
    c[464] = PT_REC_DNS_NAME;
    assert_int_equal(parse_mod(c, len, &d), PT_ERR_MISSING_TAG);
    assert_non_null(strstr(d.msg, "record 1: tag 4 (ROLE) is missing"));
    /* duplicate: record 1's ISSUER_NAME renumbered SUBJECT_NAME */
    memcpy(c, data, len);
    c[419] = PT_REC_SUBJECT_NAME;
    assert_int_equal(parse_mod(c, len, &d), PT_ERR_DUPLICATE_TAG);
    /* RECORD_LENGTH smaller than its own item, and zero */
    memcpy(c, data, len);
    c[391] = 0;
    c[392] = 4;
    assert_int_equal(parse_mod(c, len, &d), PT_ERR_FORMAT);
    c[392] = 0;
    assert_int_equal(parse_mod(c, len, &d), PT_ERR_FORMAT);
    /* RECORD_LENGTH one short: the certificate crosses the record end */
    memcpy(c, data, len);
    c[392] -= 1;
    assert_int_equal(parse_mod(c, len, &d), PT_ERR_TRUNCATED);
    assert_non_null(strstr(d.msg, "runs past the end of the record"));
    /* a zero-length certificate */
    memcpy(c, data, len);
    c[1002] = 0;
    c[1003] = 0;
    assert_int_not_equal(parse_mod(c, len, &d), PT_OK);
    free(c);
    free(data);
}

static void resign_keeps_records_and_changes_signer(void **state)
{
    (void)state;
    /* utils itl reset: the CallManager-signed ITL re-signed by ITLRecovery */
    EVP_PKEY *kc, *kr;
    X509 *cm, *rec;
    tu_make_cert(PT_KEY_RSA, 2048, NULL, "test10pub", &kc, &cm);
    tu_make_cert(PT_KEY_RSA, 2048, NULL, "ITLRECOVERY_test10pub", &kr, &rec);
    pt_tl_entry e[] = {{.cert = cm, .role = PT_ROLE_SAST}, {.cert = cm, .role = PT_ROLE_TFTP},
                       {.cert = rec, .role = PT_ROLE_SAST}};
    pt_signer sc, sr;
    pt_diag d;
    pt_signer_init_key(&sc, kc, cm, &d);
    pt_signer_init_key(&sr, kr, rec, &d);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "ITLFile.tlv";
    o.layout = PT_LAYOUT_LEGACY;
    o.signer_version = PT_SIGNER_VERSION_NONE;
    pt_buf b, r;
    pt_buf_init(&b);
    pt_buf_init(&r);
    assert_int_equal(pt_tl_build(&b, &sc, &o, e, 3, &d), PT_OK);
    pt_trustlist old, neu;
    assert_int_equal(pt_tl_parse(b.data, b.len, &old, &d), PT_OK);
    assert_int_equal(pt_tl_resign(&r, &sr, &o, &old, &d), PT_OK);
    assert_int_equal(pt_tl_parse(r.data, r.len, &neu, &d), PT_OK);
    int signer;
    assert_int_equal(pt_tl_verify(&neu, &signer, &d), PT_OK);
    assert_int_equal(signer, 2);
    /* the records are the same bytes; only the header changed */
    assert_int_equal(r.len - neu.hdr.length, b.len - old.hdr.length);
    assert_memory_equal(r.data + neu.hdr.length, b.data + old.hdr.length, b.len - old.hdr.length);
    /* the new list verifies against the old list's ITLRecovery record (what the phone checks) */
    X509 *anchor = pt_cert_from_der(old.recs[2].certificate.p, old.recs[2].certificate.n);
    assert_int_equal(pt_tl_verify_with(&neu, anchor, &d), PT_OK);
    X509_free(anchor);
    pt_tl_free(&old);
    pt_tl_free(&neu);
    pt_buf_free(&b);
    pt_buf_free(&r);
    pt_signer_free(&sc);
    pt_signer_free(&sr);
    EVP_PKEY_free(kc); EVP_PKEY_free(kr);
    X509_free(cm); X509_free(rec);
}

static void key_cache_gives_the_same_answers(void **state)
{
    (void)state;
    pt_keycache *c = pt_keycache_new(2);
    const char *files[] = {"vectors/tlv/tiny.tlv", "vectors/tlv/ITLFile.tlv", "real/itl-buba0-ITLFile.tlv",
                           "vectors/tlv/ITLFile-v11-sha512.tlv"};
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < 4; i++) {
            size_t len;
            uint8_t *data = tu_read(files[i], &len);
            pt_trustlist tl;
            pt_diag d;
            assert_int_equal(pt_tl_parse(data, len, &tl, &d), PT_OK);
            int signer;
            assert_int_equal(pt_tl_verify_cached(&tl, c, &signer, &d), PT_OK);
            assert_int_equal(signer, 0);
            pt_tl_free(&tl);
            /* a flipped signature byte fails through the cache too */
            data[tl.hdr.signature_offset + 10] ^= 1;
            assert_int_equal(pt_tl_parse(data, len, &tl, &d), PT_OK);
            assert_int_equal(pt_tl_verify_cached(&tl, c, &signer, &d), PT_ERR_SIGNATURE);
            pt_tl_free(&tl);
            free(data);
        }
    }
    pt_keycache_free(c);
    /* not an RSA certificate, and not DER at all */
    X509 *ec = NULL;
    tu_pem("vectors/certs/apache-ec.pem", NULL, &ec);
    pt_buf der;
    pt_buf_init(&der);
    pt_cert_der(ec, &der);
    EVP_PKEY *k;
    pt_diag d;
    assert_int_equal(pt_cert_der_rsa_pubkey(der.data, der.len, &k, &d), PT_ERR_KEY);
    assert_non_null(strstr(d.msg, "not RSA"));
    assert_int_equal(pt_cert_der_rsa_pubkey(der.data, der.len - 1, &k, &d), PT_ERR_KEY);
    assert_int_equal(pt_cert_der_rsa_pubkey((const uint8_t *)"0", 1, &k, &d), PT_ERR_KEY);
    pt_buf_free(&der);
    X509_free(ec);
}

/* Only a SAST record signs: a list whose signer is in it as TVS, CAPF or
 * TFTP (full certificates, same serial) does not verify. */
static void only_a_sast_record_signs(void **state)
{
    (void)state;
    EVP_PKEY *k;
    X509 *c;
    tu_make_cert(PT_KEY_RSA, 1024, NULL, "cucm-pub", &k, &c);
    static const int roles[] = {PT_ROLE_TVS, PT_ROLE_CAPF, PT_ROLE_TFTP, PT_ROLE_CCM_TFTP};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        pt_tl_entry e[] = {{.cert = c, .role = roles[i]}};
        pt_signer s;
        pt_diag d;
        pt_signer_init_key(&s, k, c, &d);
        pt_sign_opts o;
        pt_sign_opts_init(&o);
        o.filename = "ITLFile.tlv";
        pt_buf b;
        pt_buf_init(&b);
        assert_int_equal(pt_tl_build(&b, &s, &o, e, 1, &d), PT_OK);
        pt_trustlist tl;
        assert_int_equal(pt_tl_parse(b.data, b.len, &tl, &d), PT_OK);
        assert_int_equal(pt_tl_signer_index(&tl), -1);
        assert_int_equal(pt_tl_verify(&tl, NULL, &d), PT_ERR_NO_SIGNER);
        pt_tl_free(&tl);
        pt_buf_free(&b);
        pt_signer_free(&s);
    }
    EVP_PKEY_free(k);
    X509_free(c);
}

/* Every cut inside the records is a truncation and says so: cut by one
 * byte, "runs past the end of the file"; a cut on a record boundary parses
 * (fewer records) and then fails its signature. */
static void every_cut_is_reported_as_truncated(void **state)
{
    (void)state;
    static const char *const files[] = {"vectors/tlv/ITLFile.tlv", "vectors/tlv/ITL-hashrecord-synthetic.tlv",
                                        "vectors/tlv/tiny.tlv", "real/itl-buba0-ITLFile.tlv"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        uint8_t *data = tu_read(files[f], &len);
        pt_trustlist tl;
        pt_diag d;
        assert_int_equal(pt_tl_parse(data, len, &tl, &d), PT_OK);
        size_t first = tl.hdr.length;
        pt_tl_free(&tl);
        for (size_t n = first + 1; n < len; n++) {
            pt_diag_clear(&d);
            int rc = parse_mod(data, n, &d);
            if (rc == PT_OK) {
                uint8_t *c = malloc(n);
                memcpy(c, data, n);
                assert_int_equal(pt_tl_parse(c, n, &tl, &d), PT_OK);
                if (pt_tl_verify(&tl, NULL, &d) == PT_OK)
                    fail_msg("%s cut to %zu bytes verifies", files[f], n);
                pt_tl_free(&tl);
                free(c);
                continue;
            }
            if (rc != PT_ERR_TRUNCATED)
                fail_msg("%s cut to %zu bytes: error %d (%s), not a truncation", files[f], n, rc, d.msg);
            if (!strstr(d.msg, "runs past the end of the file") && !strstr(d.msg, "the file ends"))
                fail_msg("%s cut to %zu bytes: \"%s\" does not say the file ends", files[f], n, d.msg);
        }
        assert_int_equal(parse_mod(data, len - 1, &d), PT_ERR_TRUNCATED);
        if (!strstr(d.msg, "runs past the end of the file"))
            fail_msg("%s cut by one byte: \"%s\"", files[f], d.msg);
        free(data);
    }
}

static void role_names(void **state)
{
    (void)state;
    assert_int_equal(pt_role_from_name("sast"), 0);
    assert_int_equal(pt_role_from_name("CCM+TFTP"), 2);
    assert_int_equal(pt_role_from_name("app_server"), 7);
    assert_int_equal(pt_role_from_name("tvs"), 21);
    assert_int_equal(pt_role_from_name("21"), 21);
    assert_int_equal(pt_role_from_name("bogus"), -1);
    assert_string_equal(pt_role_cucm_name(0), "System Administrator Security Token");
    assert_string_equal(pt_role_name(7), "APP-SERVER");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_vector_and_real_file_matches_its_listing),
        cmocka_unit_test(golden_vectors_are_reproduced_byte_for_byte),
        cmocka_unit_test(round_trip_every_role_hash_key_type_and_size),
        cmocka_unit_test(verification_names_the_signing_record),
        cmocka_unit_test(lists_of_64k_or_more_are_refused),
        cmocka_unit_test(record_errors_say_where_and_what),
        cmocka_unit_test(resign_keeps_records_and_changes_signer),
        cmocka_unit_test(key_cache_gives_the_same_answers),
        cmocka_unit_test(only_a_sast_record_signs),
        cmocka_unit_test(every_cut_is_reported_as_truncated),
        cmocka_unit_test(role_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
