/*
 * test_configs.c - the administrator's SEP<MAC>.cnf.xml as the base of a
 * device's configuration: every node they wrote is kept as written; the
 * trust elements are the cluster's, in place of theirs; a broken file is
 * named with its line.
 */
#include "testutil.h"

#include "phonetrust/cluster.h"

#include <stdlib.h>
#include <string.h>

static const char cluster[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n"
    "  <fullConfig>true</fullConfig>\n"
    "  <deviceSecurityMode>2</deviceSecurityMode>\n"
    "  <TVS>\n    <members>\n      <member priority=\"0\">\n        <port>2445</port>\n"
    "        <address>10.0.0.1</address>\n      </member>\n    </members>\n  </TVS>\n"
    "  <capfAuthMode>1</capfAuthMode>\n"
    "  <certificateOperation>install</certificateOperation>\n"
    "  <capfList>\n    <capf>\n      <phonePort>3804</phonePort>\n"
    "      <processNodeName>10.0.0.1</processNodeName>\n    </capf>\n  </capfList>\n"
    "  <vendorConfig>\n    <webAccess>1</webAccess>\n  </vendorConfig>\n"
    "</device>\n";

static char *merge(const char *base, const char *own, int *rc, pt_diag *d)
{
    pt_buf out;
    pt_buf_init(&out);
    *rc = pt_config_merge((const uint8_t *)base, strlen(base), "tftpboot/SEP001122334455.cnf.xml",
                          (const uint8_t *)own, strlen(own), &out, d);
    char *s = calloc(1, out.len + 1);
    if (out.len)
        memcpy(s, out.data, out.len);
    pt_buf_free(&out);
    return s;
}

static void test_keeps_theirs_sets_trust(void **state)
{
    (void)state;
    const char *base =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<device xsi:type=\"axl:XIPPhone\" ctiid=\"7\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
        "\t<!-- Asterisk: do not edit -->\n"
        "\t<deviceProtocol>SIP</deviceProtocol>\n"
        "\t<TVS><members><member priority=\"0\"><port>2445</port><address>old.example</address></member></members></TVS>\n"
        "\t<sipProfile><sipLines><line button=\"1\"><name>1001</name><authPassword>a&amp;b&#x41;</authPassword></line></sipLines></sipProfile>\n"
        "\t<TVS><members/></TVS>\n"
        "\t<certificateOperation>delete</certificateOperation>\n"
        "\t<loadInformation>sip88xx.14-2-1-0001-14</loadInformation>\n"
        "\t<vendorConfig><webAccess>0</webAccess></vendorConfig>\n"
        "</device>\n";
    pt_diag d;
    int rc;
    char *m = merge(base, cluster, &rc, &d);
    assert_int_equal(rc, PT_OK);
    /* theirs, as written: attributes, comment, tabs, SIP line, entities */
    assert_non_null(strstr(m, " xsi:type=\"axl:XIPPhone\" ctiid=\"7\""));
    assert_non_null(strstr(m, "\t<!-- Asterisk: do not edit -->\n\t<deviceProtocol>SIP</deviceProtocol>\n"));
    assert_non_null(strstr(m, "<authPassword>a&amp;bA</authPassword>"));
    assert_non_null(strstr(m, "\t<loadInformation>sip88xx.14-2-1-0001-14</loadInformation>\n"));
    /* vendorConfig is theirs: not a trust element */
    assert_non_null(strstr(m, "<webAccess>0</webAccess>"));
    assert_null(strstr(m, "<webAccess>1</webAccess>"));
    /* the cluster's TVS in place of their first, their second gone */
    assert_null(strstr(m, "old.example"));
    assert_null(strstr(m, "<members/>"));
    char *tvs = strstr(m, "<address>10.0.0.1</address>");
    assert_non_null(tvs);
    assert_true(tvs < strstr(m, "<sipProfile>"));
    assert_null(strstr(tvs + 1, "<TVS>"));
    /* their CAPF operation is the cluster's; what they lack is added at the end */
    assert_null(strstr(m, "<certificateOperation>delete"));
    assert_non_null(strstr(m, "<certificateOperation>install</certificateOperation>"));
    assert_non_null(strstr(m, "<deviceSecurityMode>2</deviceSecurityMode>"));
    assert_non_null(strstr(m, "<capfAuthMode>1</capfAuthMode>"));
    char *capf = strstr(m, "<capfList>");
    assert_non_null(capf);
    assert_true(capf > strstr(m, "<vendorConfig>"));
    assert_non_null(strstr(m, "</capfList>\n</device>\n"));
    free(m);

    /* no operation in the cluster's: theirs is removed */
    const char *none = "<device><capfAuthMode>0</capfAuthMode></device>";
    m = merge("<device><a/><certificateOperation>install</certificateOperation><b/></device>", none, &rc, &d);
    assert_int_equal(rc, PT_OK);
    assert_null(strstr(m, "certificateOperation"));
    assert_non_null(strstr(m, "<device><a/><b/><capfAuthMode>0</capfAuthMode></device>"));
    free(m);
}

static void test_broken_base_named(void **state)
{
    (void)state;
    pt_diag d;
    int rc;
    char *m = merge("<device>\n<fullConfig>true</fullConfig>\n<TVS>\n</device>\n", cluster, &rc, &d);
    assert_int_equal(rc, PT_ERR_FORMAT);
    assert_non_null(strstr(d.msg, "tftpboot/SEP001122334455.cnf.xml: line 5: not well-formed XML"));
    free(m);
    m = merge("<config><a/></config>", cluster, &rc, &d);
    assert_int_equal(rc, PT_ERR_FORMAT);
    assert_non_null(strstr(d.msg, "the root element is <config>"));
    free(m);
    /* an external entity is never read */
    m = merge("<?xml version=\"1.0\"?>\n<!DOCTYPE device [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
              "<device><name>&x;</name></device>",
              cluster, &rc, &d);
    assert_int_equal(rc, PT_OK);
    assert_null(strstr(m, "root:"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keeps_theirs_sets_trust),
        cmocka_unit_test(test_broken_base_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
