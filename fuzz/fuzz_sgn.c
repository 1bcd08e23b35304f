/* libFuzzer target: .sgn payload extraction and verification against a
 * fixed certificate (the vector TFTP certificate, embedded at build time
 * would need a file: instead the target derives one key once). */
#include "phonetrust/cert.h"
#include "phonetrust/sgn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *cert;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cert) {
        pt_cert_spec s;
        pt_cert_spec_init(&s);
        s.cn = "fuzz";
        s.rsa_bits = 1024;
        EVP_PKEY *k;
        pt_diag d;
        if (pt_cert_create(&s, &k, &cert, &d))
            __builtin_trap();
        EVP_PKEY_free(k);
    }
    pt_header h;
    pt_diag d;
    const uint8_t *p;
    size_t n;
    if (pt_sgn_payload(data, size, &h, &p, &n, &d) == PT_OK && p + n != data + size)
        __builtin_trap();
    pt_header_free(&h);
    pt_sgn_verify(data, size, cert, &h, &d);
    pt_header_free(&h);
    return 0;
}
