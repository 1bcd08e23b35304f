/*
 * test_phone_config.c - the simulated phone reads a configuration as an
 * XML parser does, not as a string search: comments, CDATA, character
 * references, attribute order and element order are the writer's choice,
 * and an external entity is never fetched.
 */
#include "testutil.h"

#include "../../src/phone/phone_internal.h"

#include <stdlib.h>
#include <string.h>

static void load(phone *ph, const char *xml)
{
    memset(ph, 0, sizeof *ph);
    ph->config = (uint8_t *)strdup(xml);
    ph->config_len = strlen(xml);
}

static void test_tvs_servers(void **state)
{
    (void)state;
    phone ph;
    load(&ph, "<?xml version=\"1.0\"?>\n<device>\n"
              "<!-- <TVS><members><member><port>1</port><address>commented.example</address></member></members></TVS> -->\n"
              "<TVS><members>\n"
              "  <member priority=\"1\"><address>second.example</address><port>2446</port></member>\n"
              "  <member priority=\"0\">\n    <port> 2445 </port>\n    <address><![CDATA[first.example]]></address>\n  </member>\n"
              "  <member><address>third&#46;example</address></member>\n"
              "</members></TVS></device>");
    char addr[4][64];
    int port[4];
    size_t n = ph_tvs_servers(&ph, addr, port, 4);
    assert_int_equal(n, 3);
    assert_string_equal(addr[0], "first.example"); /* priority 0 first, CDATA read, text trimmed */
    assert_int_equal(port[0], 2445);
    assert_string_equal(addr[1], "third.example"); /* no priority: 0, after the one written first */
    assert_int_equal(port[1], 2445);                /* no port: TVS's */
    assert_string_equal(addr[2], "second.example");
    assert_int_equal(port[2], 2446);
    free(ph.config);
}

static void test_values(void **state)
{
    (void)state;
    phone ph;
    load(&ph, "<device><callManagerGroup><members><member><callManager>"
              "<processNodeName>cucm-sip.example</processNodeName></callManager></member></members></callManagerGroup>"
              "<!-- <capfAuthMode>2</capfAuthMode> -->"
              "<certificateOperation>1</certificateOperation>"
              "<capfAuthMode>\n  1\n</capfAuthMode>"
              "<capfList><capf><phonePort>3804</phonePort><processNodeName>capf&amp;1.example</processNodeName></capf></capfList>"
              "</device>");
    char v[64];
    ph_config_value(&ph, NULL, "capfAuthMode", v, sizeof v);
    assert_string_equal(v, "1"); /* not the commented one; trimmed */
    ph_config_value(&ph, "<capfList>", "processNodeName", v, sizeof v);
    assert_string_equal(v, "capf&1.example"); /* inside capfList, not the CallManager's; entity decoded */
    ph_config_value(&ph, NULL, "processNodeName", v, sizeof v);
    assert_string_equal(v, "cucm-sip.example");
    ph_config_value(&ph, "<capfList>", "certificateOperation", v, sizeof v);
    assert_string_equal(v, ""); /* not inside that section */
    ph_config_value(&ph, NULL, "missing", v, sizeof v);
    assert_string_equal(v, "");
    free(ph.config);
    load(&ph, "not XML <capfAuthMode>1</capfAuthMode>");
    ph_config_value(&ph, NULL, "capfAuthMode", v, sizeof v);
    assert_string_equal(v, ""); /* a file that does not parse says nothing */
    free(ph.config);
}

static void test_no_external_entities(void **state)
{
    (void)state;
    phone ph;
    load(&ph, "<?xml version=\"1.0\"?>\n<!DOCTYPE device [<!ENTITY x SYSTEM \"file:///etc/hostname\">"
              "<!ENTITY y SYSTEM \"http://192.0.2.1/x\">]>\n"
              "<device><capfList><capf><processNodeName>&x;&y;capf.example</processNodeName></capf></capfList></device>");
    char v[64];
    ph_config_value(&ph, "<capfList>", "processNodeName", v, sizeof v);
    assert_string_equal(v, "capf.example");
    free(ph.config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tvs_servers),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_no_external_entities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
