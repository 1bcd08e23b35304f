/*
 * util.c - exit codes, error messages and option helpers of the command.
 */
#include "cli.h"

#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_exit_code(int rc)
{
    switch (rc) {
    case PT_OK:
        return EXIT_OK;
    case PT_ERR_SIGNATURE:
    case PT_ERR_NO_SIGNER:
    case PT_ERR_DIGEST:
        return EXIT_VERIFY;
    case PT_ERR_ARG:
    case PT_ERR_NOT_FOUND:
    case PT_ERR_EXISTS:
        return EXIT_USAGE;
    case PT_ERR_REFUSED:
    case PT_ERR_AUTH:
        return EXIT_REFUSED;
    case PT_ERR_DB:
        return EXIT_STATE;
    case PT_ERR_TRUNCATED:
    case PT_ERR_FORMAT:
    case PT_ERR_UNKNOWN_TAG:
    case PT_ERR_MISSING_TAG:
    case PT_ERR_DUPLICATE_TAG:
        return EXIT_FORMAT;
    case PT_ERR_IO:
        return EXIT_IO;
    case PT_ERR_IN_USE:
        return EXIT_IN_USE;
    default:
        return EXIT_OTHER;
    }
}

int cli_fail(const char *what, int rc, const pt_diag *d)
{
    char msg[600];
    pt_diag_format(d, rc, msg, sizeof msg);
    if (what)
        fprintf(stderr, "phonetrust: %s: %s\n", what, msg);
    else
        fprintf(stderr, "phonetrust: %s\n", msg);
    return cli_exit_code(rc);
}

int cli_usage(const char *fmt, ...)
{
    va_list ap;
    fputs("phonetrust: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see 'phonetrust help')\n", stderr);
    return EXIT_USAGE;
}

int cli_signing_read(const cli_args *a, cli_signing *s, int with_sv)
{
    memset(s, 0, sizeof *s);
    pt_sign_opts_init(&s->opts);
    s->signer_path = cli_str(a, "--signer");
    s->filename = cli_str(a, "--filename");
    const char *v;
    if ((v = cli_str(a, "--hash"))) {
        s->opts.hash = pt_hash_from_name(v);
        s->hash_given = 1;
    }
    if (cli_on(a, "--timestamp"))
        s->opts.timestamp = (uint32_t)cli_num(a, "--timestamp", 0);
    if ((v = cli_str(a, "--layout"))) {
        s->opts.layout = !strcmp(v, "legacy") ? PT_LAYOUT_LEGACY : PT_LAYOUT_CURRENT;
        s->layout_given = 1;
    }
    if (with_sv && (v = cli_str(a, "--signer-version"))) {
        unsigned maj, min;
        char extra;
        if (!strcmp(v, "none"))
            s->opts.signer_version = PT_SIGNER_VERSION_NONE;
        else if (sscanf(v, "%u.%u%c", &maj, &min, &extra) == 2 && maj <= 255 && min <= 255)
            s->opts.signer_version = (int)((maj << 8) | min);
        else
            return cli_usage("%s: --signer-version %s: use X.Y (1.0 or 1.1) or none", a->cmd->words, v);
        s->signer_version_given = 1;
    }
    return EXIT_OK;
}

int cli_load_signer(const char *path, EVP_PKEY **key, X509 **cert, pt_signer *s)
{
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_pem_load(path, key, cert, &d);
    if (!rc)
        rc = pt_signer_init_key(s, *key, *cert, &d);
    if (rc) {
        EVP_PKEY_free(*key);
        X509_free(*cert);
        *key = NULL;
        *cert = NULL;
        return cli_fail(NULL, rc, &d);
    }
    return EXIT_OK;
}

int cli_write(const char *path, const void *data, size_t len, unsigned mode)
{
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_file_write_atomic(path, data, len, (mode_t)mode, &d);
    return rc ? cli_fail(path, rc, &d) : EXIT_OK;
}

const char *cli_phones_dir(char *buf, size_t n)
{
    const char *e = getenv("PHONETRUST_PHONES");
    if (e && *e)
        return e;
    const char *home = getenv("HOME");
    snprintf(buf, n, "%s/.phonetrust-phones", home && *home ? home : ".");
    return buf;
}

int cli_load_named_cert(const char *file, const char *name, X509 **x, char *base, size_t n)
{
    pt_diag d;
    pt_diag_clear(&d);
    *x = NULL;
    int rc = pt_pem_load(file, NULL, x, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    snprintf(base, n, "%s", name ? name : pt_basename(file));
    char *dot = strrchr(base, '.');
    if (!name && dot)
        *dot = '\0';
    return EXIT_OK;
}
