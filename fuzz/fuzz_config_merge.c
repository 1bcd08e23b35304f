/* libFuzzer target: the administrator's SEP<MAC>.cnf.xml as the base of a
 * device's configuration (pt_config_merge), against a fixed configuration
 * of the cluster; then the stub of that result. */
#include "phonetrust/cluster.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char own[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n  <deviceSecurityMode>1</deviceSecurityMode>\n"
    "  <TVS>\n    <members>\n      <member priority=\"0\">\n        <port>2445</port>\n"
    "        <address>10.0.0.1</address>\n      </member>\n    </members>\n  </TVS>\n"
    "  <capfAuthMode>0</capfAuthMode>\n  <capfList>\n    <capf>\n      <phonePort>3804</phonePort>\n"
    "      <processNodeName>10.0.0.1</processNodeName>\n    </capf>\n  </capfList>\n</device>\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    pt_buf out;
    pt_buf_init(&out);
    pt_diag d;
    if (pt_config_merge(data, size, "fuzz.cnf.xml", (const uint8_t *)own, sizeof own - 1, &out, &d) == PT_OK) {
        /* what it writes is a configuration it reads again */
        pt_buf again;
        pt_buf_init(&again);
        if (pt_config_merge(out.data, out.len, "merged", (const uint8_t *)own, sizeof own - 1, &again, &d) != PT_OK)
            __builtin_trap();
        pt_buf_free(&again);
    }
    pt_buf_free(&out);
    return 0;
}
