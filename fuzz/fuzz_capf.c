/* libFuzzer target: a CAPF message body (§6) as the service parses it, its
 * SUDI_DATA and wrapped certificate, and the elements the phone looks up. */
#include "phonetrust/cert.h"
#include "phonetrust/wire.h"

#include <openssl/x509.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_capf_msg m = {.cmd = 2};
    if (pt_wire_capf_elements(data, size, &m) == PT_OK) {
        uint8_t type[3];
        pt_bytes item[3];
        if (m.sudi.p && pt_wire_capf_sudi(m.sudi, type, item) == PT_OK) {
            for (int i = 0; i < 3; i++)
                if (item[i].n && (item[i].p < m.sudi.p || item[i].p + item[i].n > m.sudi.p + m.sudi.n))
                    __builtin_trap();
            X509_free(pt_cert_from_der(item[0].p, item[0].n));
        }
        if (m.cert.n > 5)
            X509_free(pt_cert_from_der(m.cert.p + 5, m.cert.n - 5));
    }
    static const uint8_t tags[] = {1, 10, 17, 18};
    for (size_t i = 0; i < sizeof tags; i++) {
        uint16_t n;
        const uint8_t *v = pt_wire_capf_element(data, size, tags[i], &n);
        if (v && (v < data || v + n > data + size))
            __builtin_trap();
    }
    return 0;
}
