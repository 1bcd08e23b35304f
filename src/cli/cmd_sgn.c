/*
 * cmd_sgn.c - `sgn build`, `sgn verify`, `sgn strip` (spec §3).
 */
#include "cli.h"
#include "json.h"

#include "phonetrust/fileio.h"
#include "phonetrust/sgn.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cmd_sgn_build(const cli_args *a)
{
    const char *in = cli_arg(a, 0), *out = cli_arg(a, 1);
    cli_signing sg;
    int ex = cli_signing_read(a, &sg, 0);
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

static void describe_json(json *j, const char *path, const pt_header *h)
{
    char serial[130];
    json_key(j, "file");
    json_str(j, path);
    json_key(j, "signer");
    json_strn(j, (const char *)h->signer_name.p, h->signer_name.n);
    json_key(j, "serial");
    json_str(j, pt_hex(h->serial.p, h->serial.n > 64 ? 64 : h->serial.n, serial));
    json_key(j, "hash");
    json_str(j, pt_hash_name(h->hash));
    json_key(j, "timestamp");
    if (h->has_timestamp)
        json_int(j, h->timestamp);
    else
        json_null(j);
    json_key(j, "header_filename");
    json_strn(j, (const char *)h->filename.p, h->filename.n);
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

/* sgn verify's JSON: the header, checked or not, valid or not, and why */
static void verify_json(const char *path, const pt_header *h, int checked, int valid, int record,
                        const char *error)
{
    json j;
    json_init(&j, stdout);
    json_obj(&j);
    if (h)
        describe_json(&j, path, h);
    else {
        json_key(&j, "file");
        json_str(&j, path);
    }
    json_key(&j, "checked");
    json_bool(&j, checked);
    json_key(&j, "valid");
    json_bool(&j, valid);
    if (record > 0) {
        json_key(&j, "trust_list_record");
        json_int(&j, record);
    }
    json_key(&j, "error");
    json_str_or_null(&j, error);
    json_end_obj(&j);
    json_done(&j);
}

int cmd_sgn_verify(const cli_args *a)
{
    const char *file = cli_arg(a, 0), *cert_path = cli_str(a, "--cert");
    int as_json = cli_on(a, "--json");
    char msg[600];
    pt_diag d;
    pt_diag_clear(&d);
    uint8_t *data;
    size_t len;
    int rc = pt_file_read(file, &data, &len, PT_FILE_MAX, &d);
    if (rc) {
        if (as_json)
            verify_json(file, NULL, 0, 0, 0, pt_diag_format(&d, rc, msg, sizeof msg));
        return cli_fail(file, rc, &d);
    }
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
        if (as_json)
            verify_json(file, !rc || h.n_items ? &h : NULL, 1, !rc, 0, rc ? pt_diag_format(&d, rc, msg, sizeof msg) : NULL);
        else if (!rc || h.n_items)
            describe(file, &h);
        pt_header_free(&h);
        X509_free(cert);
        if (!rc && !as_json)
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
                if (as_json)
                    verify_json(file, NULL, 0, 0, 0, pt_diag_format(&hd, rc, msg, sizeof msg));
                ex = cli_fail(file, rc, &hd);
            } else {
                if (as_json)
                    verify_json(file, &h, 0, 0, 0, "signature not checked: give --cert PEM");
                else
                    describe(file, &h);
                fprintf(stderr, "phonetrust: %s: signature not checked: give --cert PEM "
                                "(the certificate that signed it)\n", file);
                ex = EXIT_UNCHECKED;
            }
            pt_header_free(&h);
        } else {
            int signer;
            rc = pt_tl_verify(&tl, &signer, &d);
            if (as_json)
                verify_json(file, &tl.hdr, 1, !rc, rc ? 0 : signer + 1, rc ? pt_diag_format(&d, rc, msg, sizeof msg) : NULL);
            else
                describe(file, &tl.hdr);
            if (!rc && !as_json)
                printf("signature valid (trust list record %d)\n", signer + 1);
            ex = rc ? cli_fail(file, rc, &d) : EXIT_OK;
            pt_tl_free(&tl);
        }
    }
    free(data);
    return ex;
}

int cmd_sgn_strip(const cli_args *a)
{
    const char *in = cli_arg(a, 0), *out = cli_arg(a, 1), *cert_path = cli_str(a, "--cert");
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
