/* libFuzzer target: trust-list parsing, signer location and verification. */
#include "phonetrust/trustlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_trustlist tl;
    pt_diag d;
    if (pt_tl_parse(data, size, &tl, &d) == PT_OK) {
        for (size_t i = 0; i < tl.n_recs; i++) {
            const pt_record *r = &tl.recs[i];
            if (r->offset + r->length > size)
                __builtin_trap();
            pt_record_matches_cert(r, data, size > 64 ? 64 : size);
        }
        int signer;
        pt_tl_verify(&tl, &signer, &d);
        pt_tl_free(&tl);
    }
    return 0;
}
