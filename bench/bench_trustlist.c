/*
 * bench_trustlist.c - build+sign and parse+verify of a 6-record ITL (a
 * two-node CUCM cluster's) and of a 39-record ITL (the most that fits in
 * 64 KB), per CPU-second on one core.
 *
 * usage: bench_trustlist [SIGN_CEILING VERIFY_CEILING]
 * The ceilings are what `openssl speed rsa2048` measures on this machine
 * (bench/run.sh passes them); ratios are printed against them.
 */
#include "phonetrust/cert.h"
#include "phonetrust/constants.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make(int ec, const char *cn, EVP_PKEY **k, X509 **x)
{
    pt_cert_spec s;
    pt_cert_spec_init(&s);
    s.cn = cn;
    s.o = "cisco";
    s.ou = "tac";
    s.cucm_order = 1;
    if (ec)
        s.key_type = PT_KEY_EC;
    pt_diag d;
    if (pt_cert_create(&s, k, x, &d)) {
        fprintf(stderr, "bench: %s\n", d.msg);
        exit(1);
    }
}

typedef struct result {
    double build, resign, verify, verify_cached;
    size_t size;
} result;

static result run(const pt_signer *s, const pt_tl_entry *e, size_t n, double seconds)
{
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "ITLFile.tlv";
    o.layout = PT_LAYOUT_LEGACY;
    o.signer_version = PT_SIGNER_VERSION_NONE;
    pt_diag d;
    result r = {0};
    pt_buf b;
    long count = 0;
    double t0 = cpu_now(), t;
    do {
        pt_buf_init(&b);
        if (pt_tl_build(&b, s, &o, e, n, &d)) {
            fprintf(stderr, "bench: build: %s\n", d.msg);
            exit(1);
        }
        r.size = b.len;
        pt_buf_free(&b);
        count++;
    } while ((t = cpu_now() - t0) < seconds);
    r.build = count / t;

    pt_buf_init(&b);
    pt_tl_build(&b, s, &o, e, n, &d);
    pt_trustlist cur;
    pt_tl_parse(b.data, b.len, &cur, &d);
    count = 0;
    t0 = cpu_now();
    do {
        pt_buf out;
        pt_buf_init(&out);
        if (pt_tl_resign(&out, s, &o, &cur, &d)) {
            fprintf(stderr, "bench: resign: %s\n", d.msg);
            exit(1);
        }
        pt_buf_free(&out);
        count++;
    } while ((t = cpu_now() - t0) < seconds);
    r.resign = count / t;
    pt_tl_free(&cur);

    for (int cached = 0; cached < 2; cached++) {
        pt_keycache *kc = cached ? pt_keycache_new(8) : NULL;
        count = 0;
        t0 = cpu_now();
        do {
            pt_trustlist tl;
            int signer;
            if (pt_tl_parse(b.data, b.len, &tl, &d) || pt_tl_verify_cached(&tl, kc, &signer, &d)) {
                fprintf(stderr, "bench: verify: %s\n", d.msg);
                exit(1);
            }
            pt_tl_free(&tl);
            count++;
        } while ((t = cpu_now() - t0) < seconds);
        if (cached)
            r.verify_cached = count / t;
        else
            r.verify = count / t;
        pt_keycache_free(kc);
    }
    pt_buf_free(&b);
    return r;
}

int main(int argc, char **argv)
{
    double sign_ceiling = argc > 2 ? atof(argv[1]) : 0, verify_ceiling = argc > 2 ? atof(argv[2]) : 0;
    double secs = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 3.0;
    EVP_PKEY *ck, *eck, *capk, *tvk1, *tvk2, *rk;
    X509 *cm, *ecm, *capf, *tvs1, *tvs2, *rec;
    make(0, "test10pub.joemar2.lab", &ck, &cm);
    make(1, "test10pub.joemar2.lab-EC", &eck, &ecm);
    make(0, "CAPF-75638ad9", &capk, &capf);
    make(0, "test10pub.joemar2.lab", &tvk1, &tvs1);
    make(0, "test10sub.joemar2.lab", &tvk2, &tvs2);
    make(0, "ITLRECOVERY_test10pub.joemar2.lab", &rk, &rec);
    pt_signer s;
    pt_diag d;
    pt_signer_init_key(&s, ck, cm, &d);

    /* the seed-001 ITL of a two-node cluster (M6) */
    pt_tl_entry six[] = {
        {.cert = cm, .role = PT_ROLE_SAST},          {.cert = cm, .role = PT_ROLE_TFTP},
        {.cert = ecm, .role = PT_ROLE_TFTP},         {.cert = capf, .role = PT_ROLE_CAPF, .hash_only = 1},
        {.cert = tvs1, .role = PT_ROLE_TVS, .hash_only = 1}, {.cert = rec, .role = PT_ROLE_SAST},
        {.cert = tvs2, .role = PT_ROLE_TVS, .hash_only = 1},
    };
    /* 39 full records: the 64 KB ceiling of §2.8 */
    EVP_PKEY *extra_k[38];
    X509 *extra_c[38];
    pt_tl_entry many[39] = {{.cert = cm, .role = PT_ROLE_SAST}};
    for (int i = 0; i < 38; i++) {
        char cn[32];
        snprintf(cn, sizeof cn, "node%02d.example.com", i);
        make(0, cn, &extra_k[i], &extra_c[i]);
        many[i + 1] = (pt_tl_entry){.cert = extra_c[i], .role = i % 2 ? PT_ROLE_TVS : PT_ROLE_CCM_TFTP};
    }

    /* in-process RSA-2048 sign / verify with the same key, for reference */
    uint8_t dg[20] = {0}, sig[512];
    size_t siglen;
    long count = 0;
    double t0 = cpu_now(), t;
    do {
        siglen = sizeof sig;
        s.sign_digest(s.ctx, PT_HASH_SHA1, dg, 20, sig, &siglen, &d);
        count++;
    } while ((t = cpu_now() - t0) < secs);
    double own_sign = count / t;
    count = 0;
    t0 = cpu_now();
    do {
        pt_verify_digest(X509_get0_pubkey(cm), PT_HASH_SHA1, dg, 20, sig, siglen);
        count++;
    } while ((t = cpu_now() - t0) < secs);
    double own_verify = count / t;

    /* the cluster keeps certificates as DER: hand the builder the bytes */
    unsigned char *ders[7 + 39] = {0};
    for (size_t i = 0; i < 7; i++) {
        int n = i2d_X509(six[i].cert, &ders[i]);
        six[i].der = ders[i];
        six[i].der_len = (size_t)n;
    }
    for (size_t i = 0; i < 39; i++) {
        int n = i2d_X509(many[i].cert, &ders[7 + i]);
        many[i].der = ders[7 + i];
        many[i].der_len = (size_t)n;
    }
    result r6 = run(&s, six, 7, secs);
    result r39 = run(&s, many, 39, secs);

    printf("RSA-2048, one core, per CPU-second\n");
    printf("  %-34s %10.0f /s\n", "RSA sign (EVP, same key)", own_sign);
    printf("  %-34s %10.0f /s\n", "RSA verify (EVP, same key)", own_verify);
    if (sign_ceiling > 0) {
        printf("  %-34s %10.0f /s\n", "openssl speed rsa2048 sign", sign_ceiling);
        printf("  %-34s %10.0f /s\n", "openssl speed rsa2048 verify", verify_ceiling);
    }
    printf("\n%-32s %8s %12s %12s %12s\n", "operation", "bytes", "per second", "ceiling", "ratio");
    struct { const char *name; double rate; size_t size; double ceiling; double target; } rows[] = {
        {"build+sign, 7 records", r6.build, r6.size, sign_ceiling, 0.90},
        {"re-sign, 7 records (itl reset)", r6.resign, r6.size, sign_ceiling, 0.90},
        {"build+sign, 39 records", r39.build, r39.size, sign_ceiling, 0.90},
        {"re-sign, 39 records", r39.resign, r39.size, sign_ceiling, 0.90},
        {"parse+verify, 7 records", r6.verify, r6.size, verify_ceiling, 0.50},
        {"  same, signer key cached", r6.verify_cached, r6.size, verify_ceiling, 0.50},
        {"parse+verify, 39 records", r39.verify, r39.size, verify_ceiling, 0},
        {"  same, signer key cached", r39.verify_cached, r39.size, verify_ceiling, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double ratio = rows[i].ceiling > 0 ? rows[i].rate / rows[i].ceiling : 0;
        printf("%-32s %8zu %12.0f %12.0f %11.0f%%", rows[i].name, rows[i].size, rows[i].rate,
               rows[i].ceiling, ratio * 100);
        if (rows[i].target > 0 && rows[i].ceiling > 0)
            printf("  (target >= %.0f%%: %s)", rows[i].target * 100, ratio >= rows[i].target ? "met" : "missed");
        putchar('\n');
    }
    for (size_t i = 0; i < 7 + 39; i++)
        OPENSSL_free(ders[i]);
    for (int i = 0; i < 38; i++) {
        EVP_PKEY_free(extra_k[i]);
        X509_free(extra_c[i]);
    }
    pt_signer_free(&s);
    EVP_PKEY_free(ck); EVP_PKEY_free(eck); EVP_PKEY_free(capk); EVP_PKEY_free(tvk1); EVP_PKEY_free(tvk2); EVP_PKEY_free(rk);
    X509_free(cm); X509_free(ecm); X509_free(capf); X509_free(tvs1); X509_free(tvs2); X509_free(rec);
    return 0;
}
