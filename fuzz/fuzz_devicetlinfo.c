/* libFuzzer target: the body of POST /DeviceTLInfo (form-encoded or the
 * alarm's XML) as the HTTP service reads its fields. */
#include "../src/services/server.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size + 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0'; /* as http.c hands it over */
    char out[128];
    static const char *const names[] = {"DeviceName", "ITL_Signature", "CTL_Signature", "ITL_TFTP_Server"};
    for (size_t i = 0; i < 4; i++)
        if (srv_report_field(body, names[i], out, sizeof out) && strlen(out) >= sizeof out)
            __builtin_trap();
    free(body);
    return 0;
}
