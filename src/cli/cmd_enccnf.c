/*
 * cmd_enccnf.c - `enccnf encrypt` / `enccnf decrypt` (spec §4).
 */
#include "cli.h"

#include "phonetrust/enccnf.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sgn.h"

#include <limits.h>
#include <stdio.h>
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

static int enc_encrypt(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *phone = NULL, *stub = NULL, *v;
    int no_stub = 0, ex = EXIT_OK;
    cli_signing sg;
    cli_signing_init(&sg);
    for (int i = 2; i < argc && !ex; i++) {
        int m = 0;
        if (cli_signing_opt(argc, argv, &i, &sg, 0, &ex)) continue;
        else if ((m = cli_opt(argc, argv, &i, "--phone-cert", &v))) phone = v;
        else if ((m = cli_opt(argc, argv, &i, "--stub", &v))) stub = v;
        else if (cli_flag(argv, i, "--no-stub")) no_stub = 1;
        else if (argv[i][0] == '-') ex = cli_usage("enccnf encrypt: unknown option %s", argv[i]);
        else if (!in) in = argv[i];
        else if (!out) out = argv[i];
        else ex = cli_usage("enccnf encrypt: unexpected argument %s", argv[i]);
        if (m < 0)
            ex = cli_usage("enccnf encrypt: %s needs a value", argv[i]);
    }
    if (!ex && (!in || !out || !sg.signer_path || !phone))
        ex = cli_usage("enccnf encrypt: usage: enccnf encrypt IN OUT --signer PEM --phone-cert PEM");
    if (ex)
        return ex;
    char stub_buf[PATH_MAX];
    if (!stub && !no_stub && default_stub(out, stub_buf, sizeof stub_buf))
        stub = stub_buf;
    if (no_stub)
        stub = NULL;

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

static int enc_decrypt(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *key_path = NULL, *cert_path = NULL, *v;
    int ex = EXIT_OK;
    for (int i = 2; i < argc && !ex; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--key", &v))) key_path = v;
        else if ((m = cli_opt(argc, argv, &i, "--cert", &v))) cert_path = v;
        else if (argv[i][0] == '-') ex = cli_usage("enccnf decrypt: unknown option %s", argv[i]);
        else if (!in) in = argv[i];
        else if (!out) out = argv[i];
        else ex = cli_usage("enccnf decrypt: unexpected argument %s", argv[i]);
        if (m < 0)
            ex = cli_usage("enccnf decrypt: %s needs a value", argv[i]);
    }
    if (!ex && (!in || !out || !key_path))
        ex = cli_usage("enccnf decrypt: usage: enccnf decrypt IN OUT --key PEM [--cert PEM]");
    if (ex)
        return ex;
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

int cmd_enccnf(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("enccnf: expected encrypt or decrypt");
    if (!strcmp(argv[1], "encrypt"))
        return enc_encrypt(argc, argv);
    if (!strcmp(argv[1], "decrypt"))
        return enc_decrypt(argc, argv);
    return cli_usage("enccnf %s: expected encrypt or decrypt", argv[1]);
}
