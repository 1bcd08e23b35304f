/*
 * testutil.c - helpers shared by the unit tests.
 */
#include "testutil.h"

#include "phonetrust/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *tu_read(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PT_TEST_DATA, rel);
    uint8_t *data = NULL;
    pt_diag d;
    int rc = pt_file_read(path, &data, len, PT_FILE_MAX, &d);
    if (rc)
        fail_msg("cannot read %s: %s", path, d.msg);
    return data;
}

void tu_pem(const char *rel, EVP_PKEY **key, X509 **cert)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PT_TEST_DATA, rel);
    pt_diag d;
    int rc = pt_pem_load(path, key, cert, &d);
    if (rc)
        fail_msg("cannot load %s: %s", path, d.msg);
}

void tu_make_cert(int key_type, int bits, const char *curve, const char *cn,
                  EVP_PKEY **key, X509 **cert)
{
    pt_cert_spec s;
    pt_cert_spec_init(&s);
    s.cn = cn;
    s.o = "Test";
    s.ou = "Unit";
    s.key_type = key_type;
    s.rsa_bits = bits;
    if (curve)
        s.curve = curve;
    if (bits == 512)
        s.digest = 1; /* SHA-256 with RSA-512 works too, but mkcert's tiny key used SHA-1 */
    pt_diag d;
    int rc = pt_cert_create(&s, key, cert, &d);
    if (rc)
        fail_msg("cert create %s: %s", cn, d.msg);
}

size_t tu_read_listing(const char *rel, tu_kv *out, size_t max)
{
    size_t len;
    char *text = (char *)tu_read(rel, &len);
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *colon = strstr(line, ":");
        if (!colon) {
            snprintf(out[n].key, sizeof out[n].key, "%s", line);
            out[n].value[0] = 0;
            n++;
            continue;
        }
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        snprintf(out[n].key, sizeof out[n].key, "%s", line);
        snprintf(out[n].value, sizeof out[n].value, "%s", v);
        n++;
    }
    free(text);
    return n;
}
