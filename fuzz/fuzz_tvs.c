/* libFuzzer target: TVS messages (§5) - a request as the service parses it
 * (then the certificate check it applies) and an answer as the phone does. */
#include "phonetrust/crypto.h"
#include "phonetrust/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_tvs_request q;
    if (pt_wire_tvs_request(data, size, &q) == PT_OK) {
        if (q.device.n && (q.device.p < data || q.device.p + q.device.n > data + size))
            __builtin_trap();
        if (q.cert.p)
            pt_der_is_certificate(q.cert.p, q.cert.n);
    }
    pt_tvs_answer a;
    if (pt_wire_tvs_answer(data, size, &a) == PT_OK && a.status > 255)
        __builtin_trap();
    return 0;
}
