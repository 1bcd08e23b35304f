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

int cli_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

int cli_flag(char **argv, int i, const char *name)
{
    return strcmp(argv[i], name) == 0;
}

int cli_parse_hash(const char *s, int *hash)
{
    int h = pt_hash_from_name(s);
    if (h < 0)
        return cli_usage("--hash %s: use sha1, sha256 or sha512", s);
    *hash = h;
    return 0;
}

int cli_parse_layout(const char *s, int *layout)
{
    if (!strcmp(s, "current"))
        *layout = PT_LAYOUT_CURRENT;
    else if (!strcmp(s, "legacy") || !strcmp(s, "cucm"))
        *layout = PT_LAYOUT_LEGACY;
    else
        return cli_usage("--layout %s: use current or legacy", s);
    return 0;
}

int cli_parse_signer_version(const char *s, int *sv)
{
    if (!strcmp(s, "none")) {
        *sv = PT_SIGNER_VERSION_NONE;
        return 0;
    }
    unsigned maj, min;
    char extra;
    if (sscanf(s, "%u.%u%c", &maj, &min, &extra) != 2 || maj > 255 || min > 255)
        return cli_usage("--signer-version %s: use X.Y (1.0 or 1.1) or none", s);
    *sv = (int)((maj << 8) | min);
    return 0;
}

int cli_parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_timestamp(const char *s, uint32_t *ts)
{
    long v;
    if (cli_parse_int(s, 0, 0xffffffffL, &v))
        return cli_usage("--timestamp %s: use Unix seconds (0-4294967295)", s);
    *ts = (uint32_t)v;
    return 0;
}

void cli_signing_init(cli_signing *s)
{
    memset(s, 0, sizeof *s);
    pt_sign_opts_init(&s->opts);
}

int cli_signing_opt(int argc, char **argv, int *i, cli_signing *s, int with_sv, int *ex)
{
    const char *name = argv[*i], *v = NULL;
    int m;
    if ((m = cli_opt(argc, argv, i, "--signer", &v)) > 0) {
        s->signer_path = v;
    } else if (!m && (m = cli_opt(argc, argv, i, "--hash", &v)) > 0) {
        *ex = cli_parse_hash(v, &s->opts.hash);
        s->hash_given = 1;
    } else if (!m && (m = cli_opt(argc, argv, i, "--timestamp", &v)) > 0) {
        *ex = cli_parse_timestamp(v, &s->opts.timestamp);
    } else if (!m && (m = cli_opt(argc, argv, i, "--filename", &v)) > 0) {
        s->filename = v;
    } else if (!m && (m = cli_opt(argc, argv, i, "--layout", &v)) > 0) {
        *ex = cli_parse_layout(v, &s->opts.layout);
        s->layout_given = 1;
    } else if (!m && with_sv && (m = cli_opt(argc, argv, i, "--signer-version", &v)) > 0) {
        *ex = cli_parse_signer_version(v, &s->opts.signer_version);
        s->signer_version_given = 1;
    }
    if (m < 0)
        *ex = cli_usage("%s needs a value", name);
    return m != 0;
}

int cli_parse_in_out_signing(int argc, char **argv, const char *cmd, int with_sv,
                             const char **in, const char **out, cli_signing *sg)
{
    int ex = EXIT_OK;
    *in = *out = NULL;
    cli_signing_init(sg);
    for (int i = 2; i < argc && !ex; i++) {
        if (cli_signing_opt(argc, argv, &i, sg, with_sv, &ex))
            continue;
        else if (argv[i][0] == '-')
            ex = cli_usage("%s: unknown option %s", cmd, argv[i]);
        else if (!*in)
            *in = argv[i];
        else if (!*out)
            *out = argv[i];
        else
            ex = cli_usage("%s: unexpected argument %s", cmd, argv[i]);
    }
    if (!ex && (!*in || !*out || !sg->signer_path))
        ex = cli_usage("%s: usage: %s IN OUT --signer PEM", cmd, cmd);
    return ex;
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

int cli_kind_file_name(int argc, char **argv, int first, const char *cmd, const char *usage, const char **kind,
                       const char **file, const char **name)
{
    *kind = *file = *name = NULL;
    for (int i = first; i < argc; i++) {
        const char *v;
        int m;
        if ((m = cli_opt(argc, argv, &i, "--name", &v))) {
            if (m < 0)
                return cli_usage("%s: --name needs a value", cmd);
            *name = v;
        } else if (argv[i][0] == '-') {
            return cli_usage("%s: unknown option %s", cmd, argv[i]);
        } else if (!*kind) {
            *kind = argv[i];
        } else if (!*file) {
            *file = argv[i];
        } else {
            return cli_usage("%s: unexpected argument %s", cmd, argv[i]);
        }
    }
    return *kind && *file ? EXIT_OK : cli_usage("%s", usage);
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
