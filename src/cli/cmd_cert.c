/*
 * cmd_cert.c - `cert create`: a key and certificate for any role, written
 * as key PEM followed by certificate PEM (0600), the file every other
 * command takes.
 */
#include "cli.h"

#include "phonetrust/cert.h"
#include "phonetrust/constants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Role -> profile and default validity.  Server roles share §7.1. */
static int role_profile(const char *role, int *profile, int *years)
{
    static const struct { const char *name; int profile; int years; } t[] = {
        {"sast", PT_PROFILE_SERVER, 20},     {"ccm", PT_PROFILE_SERVER, 10},
        {"ccm+tftp", PT_PROFILE_SERVER, 10}, {"tftp", PT_PROFILE_SERVER, 10},
        {"callmanager", PT_PROFILE_SERVER, 10}, {"callmanager-ecdsa", PT_PROFILE_SERVER, 10},
        {"tvs", PT_PROFILE_SERVER, 10},      {"capf", PT_PROFILE_SERVER, 10},
        {"app-server", PT_PROFILE_SERVER, 10}, {"itlrecovery", PT_PROFILE_SERVER, 5},
        {"server", PT_PROFILE_SERVER, 10},   {"ca", PT_PROFILE_CA, 20},
        {"leaf", PT_PROFILE_LEAF, 10},       {"mic", PT_PROFILE_LEAF, 10},
        {"etoken", PT_PROFILE_LEAF, 10},     {"lsc", PT_PROFILE_LSC, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcasecmp(role, t[i].name)) {
            *profile = t[i].profile;
            *years = t[i].years;
            return 0;
        }
    return -1;
}

int cmd_cert_create(const cli_args *a)
{
    const char *out = cli_arg(a, 0), *role = cli_str(a, "--role"), *issuer_path = cli_str(a, "--issuer");
    long rsa = cli_num(a, "--rsa", 0), years = cli_num(a, "--years", 0), days = cli_num(a, "--days", 0);
    int ex = EXIT_OK, ec = cli_on(a, "--ec"), cucm_order = cli_on(a, "--cucm-order");
    if (!role)
        role = "server";
    pt_cert_spec spec;
    pt_cert_spec_init(&spec);
    spec.cn = cli_str(a, "--cn");
    if (ec)
        spec.curve = cli_str(a, "--ec");
    spec.o = cli_str(a, "--org");
    spec.ou = cli_str(a, "--unit");
    spec.l = cli_str(a, "--locality");
    spec.st = cli_str(a, "--state");
    spec.c = cli_str(a, "--country");
    if (cli_on(a, "--digest"))
        spec.digest = pt_hash_from_name(cli_str(a, "--digest"));
    if (rsa && ec)
        return cli_usage("cert create: --rsa and --ec exclude each other");
    int default_years;
    if (role_profile(role, &spec.profile, &default_years))
        return cli_usage("cert create: unknown role %s (sast, ccm, tftp, callmanager, callmanager-ecdsa, tvs, "
                         "capf, app-server, itlrecovery, ca, mic, etoken, lsc)", role);
    if (spec.c && strlen(spec.c) != 2)
        return cli_usage("--country %s: use a two-letter country code", spec.c);
    spec.cucm_order = cucm_order;
    spec.key_type = ec ? PT_KEY_EC : PT_KEY_RSA;
    if (rsa)
        spec.rsa_bits = (int)rsa;
    spec.years = years ? (int)years : default_years;
    spec.days = (int)days;
    if (spec.profile == PT_PROFILE_LSC && !days)
        spec.days = 365;
    /* mkcert requires O and OU; default them to the CN rather than refuse. */
    if (spec.profile == PT_PROFILE_SERVER) {
        if (!spec.o)
            spec.o = spec.cn;
        if (!spec.ou)
            spec.ou = spec.cn;
    }
    pt_diag d;
    pt_diag_clear(&d);
    EVP_PKEY *issuer_key = NULL;
    X509 *issuer_cert = NULL;
    if ((spec.profile == PT_PROFILE_LEAF || spec.profile == PT_PROFILE_LSC) && !issuer_path)
        return cli_usage("cert create: --role %s needs --issuer PEM (the issuing CA's key and certificate)", role);
    if (issuer_path) {
        int rc = pt_pem_load(issuer_path, &issuer_key, &issuer_cert, &d);
        if (rc)
            return cli_fail(NULL, rc, &d);
        spec.issuer_key = issuer_key;
        spec.issuer_cert = issuer_cert;
    }
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    int rc = pt_cert_create(&spec, &key, &cert, &d);
    if (rc) {
        ex = cli_fail(out, rc, &d);
    } else {
        pt_buf pem;
        pt_buf_init(&pem);
        rc = pt_pem_write(&pem, key, cert);
        ex = rc ? cli_fail(out, rc, &d) : cli_write(out, pem.data, pem.len, 0600);
        pt_buf_free(&pem);
        if (!ex) {
            char *subject = pt_name_string(X509_get_subject_name(cert), ',');
            uint8_t serial[64];
            size_t sn = 0;
            char hex[130];
            pt_cert_serial(cert, serial, &sn);
            printf("%s: %s, serial %s\n", out, subject ? subject : "?", pt_hex(serial, sn, hex));
            free(subject);
        }
    }
    EVP_PKEY_free(key);
    X509_free(cert);
    EVP_PKEY_free(issuer_key);
    X509_free(issuer_cert);
    return ex;
}
