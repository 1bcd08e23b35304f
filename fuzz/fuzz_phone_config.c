/* libFuzzer target: the phone's reading of a configuration file in force
 * (its TVS servers, the values the CAPF and encrypted-config stages read). */
#include "../src/phone/phone_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    phone ph;
    memset(&ph, 0, sizeof ph);
    ph.config = (uint8_t *)malloc(size ? size : 1);
    if (!ph.config)
        return 0;
    memcpy(ph.config, data, size);
    ph.config_len = size;
    char addr[4][64];
    int port[4];
    size_t n = ph_tvs_servers(&ph, addr, port, 4);
    for (size_t i = 0; i < n; i++)
        if (strnlen(addr[i], 64) >= 64)
            __builtin_trap();
    char out[64];
    ph_config_value(&ph, NULL, "certHash", out, sizeof out);
    ph_config_value(&ph, NULL, "capfAuthMode", out, sizeof out);
    ph_config_value(&ph, "<capfList>", "processNodeName", out, sizeof out);
    if (strnlen(out, sizeof out) >= sizeof out)
        __builtin_trap();
    free(ph.config);
    return 0;
}
