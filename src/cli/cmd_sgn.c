/*
 * cmd_sgn.c - `sgn build`, `sgn verify`, `sgn strip` (spec §3).
 */
#include "cli.h"

#include "phonetrust/fileio.h"
#include "phonetrust/sgn.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int sgn_build(int argc, char **argv)
{
    const char *in, *out;
    cli_signing sg;
    int ex = cli_parse_in_out_signing(argc, argv, "sgn build", 0, &in, &out, &sg);
    if (ex)
        return ex;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    pt_signer signer = {0};
    if ((ex = cli_load_signer(sg.signer_path, &key, &cert, &signer)))
        return ex;
    uint8_t *data;
    size_t len;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_file_read(in, &data, &len, PT_FILE_MAX, &d);
    if (rc) {
        ex = cli_fail(in, rc, &d);
    } else {
        sg.opts.filename = sg.filename ? sg.filename : pt_basename(out);
        pt_buf b;
        pt_buf_init(&b);
        rc = pt_sgn_build(&b, &signer, &sg.opts, data, len, &d);
        ex = rc ? cli_fail(out, rc, &d) : cli_write(out, b.data, b.len, 0644);
        pt_buf_free(&b);
        free(data);
    }
    pt_signer_free(&signer);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ex;
}

static void describe(const char *path, const pt_header *h)
{
    char when[40] = "no timestamp";
    if (h->has_timestamp) {
        time_t t = (time_t)h->timestamp;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    char serial[130];
    printf("%s: signed by %.*s (serial %s), %s, %s, header file name %.*s\n", path,
           (int)h->signer_name.n, h->signer_name.p,
           pt_hex(h->serial.p, h->serial.n > 64 ? 64 : h->serial.n, serial),
           pt_hash_name(h->hash), when, (int)h->filename.n, h->filename.p);
}

static int sgn_verify(int argc, char **argv)
{
    const char *file = NULL, *cert_path = NULL, *v;
    for (int i = 2; i < argc; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--cert", &v))) {
            if (m < 0)
                return cli_usage("sgn verify: --cert needs a value");
            cert_path = v;
        } else if (argv[i][0] == '-') {
            return cli_usage("sgn verify: unknown option %s", argv[i]);
        } else if (!file) {
            file = argv[i];
        } else {
            return cli_usage("sgn verify: one file at a time");
        }
    }
    if (!file)
        return cli_usage("sgn verify: usage: sgn verify FILE [--cert PEM]");
    pt_diag d;
    pt_diag_clear(&d);
    uint8_t *data;
    size_t len;
    int rc = pt_file_read(file, &data, &len, PT_FILE_MAX, &d);
    if (rc)
        return cli_fail(file, rc, &d);
    int ex;
    if (cert_path) {
        X509 *cert = NULL;
        rc = pt_pem_load(cert_path, NULL, &cert, &d);
        if (rc) {
            free(data);
            return cli_fail(NULL, rc, &d);
        }
        pt_header h;
        rc = pt_sgn_verify(data, len, cert, &h, &d);
        if (!rc || h.n_items)
            describe(file, &h);
        pt_header_free(&h);
        X509_free(cert);
        if (!rc)
            puts("signature valid");
        ex = rc ? cli_fail(file, rc, &d) : EXIT_OK;
    } else {
        /* A trust list carries its signer; anything else needs --cert. */
        pt_trustlist tl;
        rc = pt_tl_parse(data, len, &tl, &d);
        if (rc) {
            pt_header h;
            pt_diag hd;
            rc = pt_header_parse(data, len, &h, &hd);
            if (rc) {
                ex = cli_fail(file, rc, &hd);
            } else {
                describe(file, &h);
                fprintf(stderr, "phonetrust: %s: signature not checked: give --cert PEM "
                                "(the certificate that signed it)\n", file);
                ex = EXIT_VERIFY;
            }
            pt_header_free(&h);
        } else {
            int signer;
            describe(file, &tl.hdr);
            rc = pt_tl_verify(&tl, &signer, &d);
            if (!rc)
                printf("signature valid (trust list record %d)\n", signer + 1);
            ex = rc ? cli_fail(file, rc, &d) : EXIT_OK;
            pt_tl_free(&tl);
        }
    }
    free(data);
    return ex;
}

static int sgn_strip(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *cert_path = NULL, *v;
    for (int i = 2; i < argc; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--cert", &v))) {
            if (m < 0)
                return cli_usage("sgn strip: --cert needs a value");
            cert_path = v;
        } else if (argv[i][0] == '-') {
            return cli_usage("sgn strip: unknown option %s", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            return cli_usage("sgn strip: unexpected argument %s", argv[i]);
        }
    }
    if (!in || !out)
        return cli_usage("sgn strip: usage: sgn strip IN OUT [--cert PEM]");
    pt_diag d;
    pt_diag_clear(&d);
    uint8_t *data;
    size_t len;
    int rc = pt_file_read(in, &data, &len, PT_FILE_MAX, &d);
    if (rc)
        return cli_fail(in, rc, &d);
    pt_header h;
    if (cert_path) {
        X509 *cert = NULL;
        rc = pt_pem_load(cert_path, NULL, &cert, &d);
        if (rc) {
            free(data);
            return cli_fail(NULL, rc, &d);
        }
        rc = pt_sgn_verify(data, len, cert, &h, &d);
        X509_free(cert);
    } else {
        rc = pt_header_parse(data, len, &h, &d);
    }
    int ex = rc ? cli_fail(in, rc, &d) : cli_write(out, data + h.length, len - h.length, 0644);
    pt_header_free(&h);
    free(data);
    return ex;
}

int cmd_sgn(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("sgn: expected build, verify or strip");
    if (!strcmp(argv[1], "build"))
        return sgn_build(argc, argv);
    if (!strcmp(argv[1], "verify"))
        return sgn_verify(argc, argv);
    if (!strcmp(argv[1], "strip"))
        return sgn_strip(argc, argv);
    return cli_usage("sgn %s: expected build, verify or strip", argv[1]);
}
