/*
 * test_certcache.c - TVS's caches: roles merged and sorted as TVS answers
 * them, the CTL cache from a real trust list, lookup order, and noticing
 * that CTLFile.tlv changed.
 */
#include "testutil.h"

#include "phonetrust/certcache.h"
#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void roles_merge_sorted(void **state)
{
    (void)state;
    pt_certcache *c = pt_certcache_new();
    const uint8_t der[] = "not really a certificate, but bytes to hash";
    uint8_t r1[] = {PT_ROLE_TVS, PT_ROLE_SAST}, r2[] = {PT_ROLE_CCM_TFTP, PT_ROLE_SAST};
    assert_int_equal(pt_certcache_add(c, der, sizeof der, r1, 2), PT_OK);
    assert_int_equal(pt_certcache_add(c, der, sizeof der, r2, 2), PT_OK);
    assert_int_equal(pt_certcache_size(c), 1);
    uint8_t roles[PT_MAX_ROLES];
    size_t n;
    assert_true(pt_certcache_lookup(c, der, sizeof der, roles, &n));
    assert_int_equal(n, 3);
    assert_int_equal(roles[0], PT_ROLE_SAST);
    assert_int_equal(roles[1], PT_ROLE_CCM_TFTP);
    assert_int_equal(roles[2], PT_ROLE_TVS);
    assert_false(pt_certcache_lookup(c, der, sizeof der - 1, roles, &n));
    pt_certcache_free(c);
}

static void ctl_cache_and_lookup_order(void **state)
{
    (void)state;
    size_t len, clen;
    uint8_t *itl = tu_read("vectors/tlv/ITLFile.tlv", &len);
    pt_certcache *ctl = NULL, *db = pt_certcache_new();
    pt_diag d;
    assert_int_equal(pt_certcache_from_ctl(itl, len, &ctl, &d), PT_OK);
    assert_int_equal(pt_certcache_size(ctl), 4); /* SAST, CCM, TVS, CAPF */
    uint8_t *ccm = tu_read("vectors/certs/ccm.pem", &clen);
    X509 *x = NULL;
    assert_int_equal(pt_pem_load_mem(ccm, clen, "ccm", NULL, &x, &d), PT_OK);
    pt_buf der;
    pt_buf_init(&der);
    pt_cert_der(x, &der);
    uint8_t roles[PT_MAX_ROLES];
    size_t n;
    const char *src;
    assert_true(pt_tvs_lookup(db, ctl, der.data, der.len, roles, &n, NULL, &src));
    assert_string_equal(src, "CTL");
    assert_int_equal(n, 1);
    assert_int_equal(roles[0], PT_ROLE_CCM);
    /* the database answers first */
    uint8_t r[] = {PT_ROLE_APP_SERVER};
    pt_certcache_add(db, der.data, der.len, r, 1);
    assert_true(pt_tvs_lookup(db, ctl, der.data, der.len, roles, &n, NULL, &src));
    assert_string_equal(src, "database");
    assert_int_equal(roles[0], PT_ROLE_APP_SERVER);
    assert_false(pt_tvs_lookup(NULL, NULL, der.data, der.len, roles, &n, NULL, &src));
    pt_buf_free(&der);
    X509_free(x);
    free(ccm);
    free(itl);
    pt_certcache_free(ctl);
    pt_certcache_free(db);
}

static void file_changes_are_noticed(void **state)
{
    (void)state;
    char dir[] = "/tmp/pt-stamp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/CTLFile.tlv", dir);
    pt_filestamp a, b;
    pt_filestamp_get(path, &a);
    assert_false(a.exists);
    assert_int_equal(pt_file_write_atomic(path, "one", 3, 0644, NULL), PT_OK);
    pt_filestamp_get(path, &b);
    assert_true(pt_filestamp_changed(&a, &b));
    pt_filestamp_get(path, &a);
    assert_false(pt_filestamp_changed(&a, &b)); /* untouched: no change */
    assert_int_equal(pt_file_write_atomic(path, "two", 3, 0644, NULL), PT_OK); /* same size, replaced by rename */
    pt_filestamp_get(path, &b);
    assert_true(pt_filestamp_changed(&a, &b));
    unlink(path);
    pt_filestamp_get(path, &a);
    assert_true(pt_filestamp_changed(&a, &b));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles_merge_sorted),
        cmocka_unit_test(ctl_cache_and_lookup_order),
        cmocka_unit_test(file_changes_are_noticed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
