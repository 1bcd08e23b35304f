/* libFuzzer target: a TFTP request with its options (RFC 1350/2347) as the
 * service parses it, and an OACK as the phone reads its blksize. */
#include "phonetrust/wire.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_tftp_request q;
    if (pt_wire_tftp_request(data, size, &q) == PT_OK) {
        /* every string ends inside the packet */
        if ((const uint8_t *)q.file + strlen(q.file) >= data + size ||
            (const uint8_t *)q.mode + strlen(q.mode) >= data + size)
            __builtin_trap();
        for (size_t i = 0; i < q.n_options; i++)
            if ((const uint8_t *)q.value[i] + strlen(q.value[i]) >= data + size)
                __builtin_trap();
    }
    size_t b = pt_wire_tftp_oack_blksize(data, size);
    if (b < 8 || b > 1428)
        __builtin_trap();
    return 0;
}
