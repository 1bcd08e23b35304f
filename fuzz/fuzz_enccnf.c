/* libFuzzer target: .enc.sgn decryption (header, key unwrap, AES, padding,
 * digest) and the stub's XML scanner, with a fixed phone key. */
#include "phonetrust/cert.h"
#include "phonetrust/enccnf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;
static X509 *cert;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_diag d;
    if (!key) {
        pt_cert_spec s;
        pt_cert_spec_init(&s);
        s.cn = "SEP001122334455";
        s.rsa_bits = 1024;
        if (pt_cert_create(&s, &key, &cert, &d))
            __builtin_trap();
    }
    pt_buf out;
    pt_buf_init(&out);
    pt_enc_decrypt(data, size, key, NULL, &out, &d);
    pt_buf_free(&out);
    pt_buf_init(&out);
    pt_enc_stub_xml(&out, cert, data, size, &d);
    pt_buf_free(&out);
    return 0;
}
