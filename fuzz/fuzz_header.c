/* libFuzzer target: the §1 signed header parser. */
#include "phonetrust/signedfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_header h;
    pt_diag d;
    if (pt_header_parse(data, size, &h, &d) == PT_OK) {
        /* every item lies inside the header */
        for (size_t i = 0; i < h.n_items; i++)
            if (h.items[i].offset >= h.length)
                __builtin_trap();
        uint8_t dg[64];
        size_t n;
        pt_header_signed_digest(data, size, &h, dg, &n);
    }
    pt_header_free(&h);
    return 0;
}
