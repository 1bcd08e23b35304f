/*
 * cmd_enccnf.c - `enccnf encrypt` / `enccnf decrypt` (spec §4).
 */
#include "cli.h"

#include "phonetrust/enccnf.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sgn.h"

#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* SEP...cnf.xml.enc.sgn -> SEP...cnf.xml.sgn beside it, or NULL. */
static int default_stub(const char *out, char *stub, size_t n)
{
    size_t len = strlen(out);
    const char *suffix = ".enc.sgn";
    size_t sl = strlen(suffix);
    if (len <= sl || strcmp(out + len - sl, suffix))
        return 0;
    return snprintf(stub, n, "%.*s.sgn", (int)(len - sl), out) < (int)n;
}

int cmd_enccnf_encrypt(const cli_args *a)
{
    const char *in = cli_arg(a, 0), *out = cli_arg(a, 1), *phone = cli_str(a, "--phone-cert");
    const char *stub = cli_str(a, "--stub");
    int no_stub = cli_on(a, "--no-stub");
    cli_signing sg;
    int ex = cli_signing_read(a, &sg, 0);
    if (ex)
        return ex;
    if (stub && no_stub)
        return cli_usage("enccnf encrypt: --stub and --no-stub: one or the other");
    char stub_buf[PATH_MAX];
    if (!stub && !no_stub && default_stub(out, stub_buf, sizeof stub_buf))
        stub = stub_buf;
    if (no_stub)
        stub = NULL;
    /* an existing stub is what a phone may be told to fetch right now: replaced only when asked */
    struct stat st;
    if (stub && !cli_on(a, "--force") && stat(stub, &st) == 0) {
        fprintf(stderr, "phonetrust: enccnf encrypt: %s exists: give --force to replace it, or --stub PATH / "
                        "--no-stub\n", stub);
        return EXIT_REFUSED;
    }

    EVP_PKEY *key = NULL;
    X509 *cert = NULL, *phone_cert = NULL;
    pt_signer signer = {0};
    if ((ex = cli_load_signer(sg.signer_path, &key, &cert, &signer)))
        return ex;
    pt_sign_opts opts = sg.opts;
    pt_diag d;
    pt_diag_clear(&d);
    uint8_t *plain = NULL;
    size_t len = 0;
    int rc = pt_pem_load(phone, NULL, &phone_cert, &d);
    if (rc) {
        ex = cli_fail(NULL, rc, &d);
        goto done;
    }
    rc = pt_file_read(in, &plain, &len, PT_FILE_MAX, &d);
    if (rc) {
        ex = cli_fail(in, rc, &d);
        goto done;
    }
    pt_buf enc, stub_xml, stub_sgn;
    pt_buf_init(&enc);
    pt_buf_init(&stub_xml);
    pt_buf_init(&stub_sgn);
    opts.filename = sg.filename ? sg.filename : pt_basename(out);
    rc = pt_enc_encrypt(&enc, &signer, &opts, phone_cert, plain, len, NULL, NULL, &d);
    if (rc) {
        ex = cli_fail(in, rc, &d);
    } else if (stub) {
        pt_sign_opts so = opts;
        so.filename = pt_basename(stub);
        rc = pt_enc_stub_xml(&stub_xml, phone_cert, plain, len, &d);
        if (!rc)
            rc = pt_sgn_build(&stub_sgn, &signer, &so, stub_xml.data, stub_xml.len, &d);
        if (rc)
            ex = cli_fail(stub, rc, &d);
    }
    /* The encrypted file first: a phone told to fetch it must find it. */
    if (!ex)
        ex = cli_write(out, enc.data, enc.len, 0644);
    if (!ex && stub)
        ex = cli_write(stub, stub_sgn.data, stub_sgn.len, 0644);
    pt_buf_free(&enc);
    pt_buf_free(&stub_xml);
    pt_buf_free(&stub_sgn);
done:
    if (plain) {
        pt_wipe(plain, len);
        free(plain);
    }
    X509_free(phone_cert);
    pt_signer_free(&signer);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ex;
}

int cmd_enccnf_decrypt(const cli_args *a)
{
    const char *in = cli_arg(a, 0), *out = cli_arg(a, 1), *key_path = cli_str(a, "--key");
    const char *cert_path = cli_str(a, "--cert");
    int ex = EXIT_OK;
    pt_diag d;
    pt_diag_clear(&d);
    EVP_PKEY *key = NULL;
    X509 *tftp = NULL;
    uint8_t *data = NULL;
    size_t len;
    int rc = pt_pem_load(key_path, &key, NULL, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    if (cert_path && (rc = pt_pem_load(cert_path, NULL, &tftp, &d))) {
        EVP_PKEY_free(key);
        return cli_fail(NULL, rc, &d);
    }
    rc = pt_file_read(in, &data, &len, PT_FILE_MAX, &d);
    if (rc) {
        ex = cli_fail(in, rc, &d);
    } else {
        pt_buf plain;
        pt_buf_init(&plain);
        plain.secret = 1;
        rc = pt_enc_decrypt(data, len, key, tftp, &plain, &d);
        if (rc) {
            ex = cli_fail(in, rc, &d);
        } else {
            if (!tftp)
                fprintf(stderr, "phonetrust: %s: decrypted; signature not checked (give --cert PEM to check it)\n", in);
            ex = cli_write(out, plain.data, plain.len, 0600);
        }
        pt_buf_free(&plain);
        free(data);
    }
    EVP_PKEY_free(key);
    X509_free(tftp);
    return ex;
}
