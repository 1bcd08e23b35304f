/*
 * test_phone_engine.c - the phone's trust decisions against lists built
 * here with distinct keys: every row of phone-trust-rules.md's table and
 * every branch of boot steps 1-3.
 */
#include "testutil.h"

#include "../../src/phone/engine.h"
#include "phonetrust/buf.h"
#include "phonetrust/constants.h"
#include "phonetrust/sgn.h"
#include "phonetrust/signedfile.h"
#include "phonetrust/trustlist.h"

#include <stdlib.h>
#include <string.h>

enum { OLD_CCM, NEW_CCM, RECOVERY, TVS, CAPF, TOKEN, APP, N_CERTS };
static EVP_PKEY *key[N_CERTS];
static X509 *cert[N_CERTS];
static uint8_t *der[N_CERTS];
static int der_len[N_CERTS];

static int setup(void **state)
{
    (void)state;
    static const char *const names[N_CERTS] = {"cucm-old", "cucm-new", "ITLRECOVERY_cucm", "tvs", "CAPF-1", "SAST-ADN0054f509", "app"};
    for (int i = 0; i < N_CERTS; i++) {
        tu_make_cert(PT_KEY_RSA, 1024, NULL, names[i], &key[i], &cert[i]);
        der[i] = NULL;
        der_len[i] = i2d_X509(cert[i], &der[i]);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_CERTS; i++) {
        EVP_PKEY_free(key[i]);
        X509_free(cert[i]);
        OPENSSL_free(der[i]);
    }
    return 0;
}

typedef struct rec {
    int cert, role, hash_only;
} rec;

/* A trust list signed by `by` (which also gets its SAST record first). */
static pt_buf list(int by, const rec *recs, size_t n)
{
    pt_tl_entry e[16];
    memset(e, 0, sizeof e);
    e[0].cert = cert[by];
    e[0].role = PT_ROLE_SAST;
    for (size_t i = 0; i < n; i++) {
        e[i + 1].cert = cert[recs[i].cert];
        e[i + 1].role = recs[i].role;
        e[i + 1].hash_only = recs[i].hash_only;
    }
    pt_signer s;
    pt_diag d;
    assert_int_equal(pt_signer_init_key(&s, key[by], cert[by], &d), PT_OK);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "ITLFile.tlv";
    pt_buf b;
    pt_buf_init(&b);
    assert_int_equal(pt_tl_build(&b, &s, &o, e, n + 1, &d), PT_OK);
    pt_signer_free(&s);
    return b;
}

static pt_buf config(int by)
{
    pt_signer s;
    pt_diag d;
    assert_int_equal(pt_signer_init_key(&s, key[by], cert[by], &d), PT_OK);
    pt_sign_opts o;
    pt_sign_opts_init(&o);
    o.filename = "SEP001122334455.cnf.xml.sgn";
    pt_buf b;
    pt_buf_init(&b);
    static const char xml[] = "<device><fullConfig>true</fullConfig></device>";
    assert_int_equal(pt_sgn_build(&b, &s, &o, (const uint8_t *)xml, sizeof xml - 1, &d), PT_OK);
    pt_signer_free(&s);
    return b;
}

/* A TVS that vouches for one certificate with the given roles. */
typedef struct fake_tvs {
    int cert;
    uint32_t roles;
    int asked;
} fake_tvs;

static int tvs_ask(void *arg, const uint8_t *d, size_t n, uint32_t *roles)
{
    fake_tvs *t = arg;
    t->asked++;
    if (t->cert < 0 || (int)n != der_len[t->cert] || memcmp(d, der[t->cert], n))
        return 0;
    *roles = t->roles;
    return 1;
}

/* The cluster's ITL: CallManager `ccm` signs; TFTP, TVS, CAPF, ITLRecovery. */
static pt_buf cluster_itl(int ccm)
{
    rec r[] = {{ccm, PT_ROLE_TFTP, 0}, {TVS, PT_ROLE_TVS, 0}, {CAPF, PT_ROLE_CAPF, 0}, {RECOVERY, PT_ROLE_SAST, 0}};
    return list(ccm, r, 4);
}

/* What a phone holds: each list may be NULL. */
static pt_ph_lists lists(const pt_buf *ctl, const pt_buf *itl)
{
    pt_ph_lists l = {NULL, 0, NULL, 0, NULL};
    if (ctl)
        l.ctl = ctl->data, l.ctl_len = ctl->len;
    if (itl)
        l.itl = itl->data, l.itl_len = itl->len;
    return l;
}

static void test_itl_tofu_unchanged_and_signer_in_itl(void **state)
{
    (void)state;
    pt_buf itl = cluster_itl(OLD_CCM);
    pt_ph_verdict v;
    pt_ph_lists none = lists(NULL, NULL);
    pt_ph_check_itl(&none, itl.data, itl.len, NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_TOFU);

    pt_ph_lists have = lists(NULL, &itl);
    pt_ph_check_itl(&have, itl.data, itl.len, NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_UNCHANGED);

    /* utils itl reset localkey: the same records signed by ITLRecovery, a SAST of the installed ITL */
    rec r[] = {{OLD_CCM, PT_ROLE_TFTP, 0}, {TVS, PT_ROLE_TVS, 0}, {CAPF, PT_ROLE_CAPF, 0}};
    pt_buf reset = list(RECOVERY, r, 3);
    pt_ph_check_itl(&have, reset.data, reset.len, NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_ITL);
    assert_int_equal(v.signer_role, PT_ROLE_SAST);
    pt_buf_free(&reset);
    pt_buf_free(&itl);
}

static void test_itl_new_signer_needs_tvs(void **state)
{
    (void)state;
    pt_buf old = cluster_itl(OLD_CCM), fresh = cluster_itl(NEW_CCM);
    pt_ph_lists have = lists(NULL, &old);
    pt_ph_verdict v;
    /* no TVS answer: locked, the reason names the signer */
    fake_tvs t = {-1, 0, 0};
    pt_ph_tvs tvs = {tvs_ask, &t};
    pt_ph_check_itl(&have, fresh.data, fresh.len, &tvs, &v);
    assert_false(v.accept);
    assert_int_equal(v.how, PT_PH_REFUSED);
    assert_non_null(strstr(v.reason, "cucm-new"));
    assert_int_equal(t.asked, 1);
    /* TVS vouches as TFTP (CallManager-trust): accepted */
    t = (fake_tvs){NEW_CCM, 1u << PT_ROLE_TFTP, 0};
    pt_ph_check_itl(&have, fresh.data, fresh.len, &tvs, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_TVS);
    assert_int_equal(v.signer_role, PT_ROLE_TFTP);
    /* TVS vouches, but only as APP-SERVER: not a role that may sign an ITL */
    t = (fake_tvs){NEW_CCM, 1u << PT_ROLE_APP_SERVER, 0};
    pt_ph_check_itl(&have, fresh.data, fresh.len, &tvs, &v);
    assert_false(v.accept);
    pt_buf_free(&old);
    pt_buf_free(&fresh);
}

static void test_itl_bad_signature_never_excused(void **state)
{
    (void)state;
    pt_buf itl = cluster_itl(OLD_CCM), reset;
    rec r[] = {{TVS, PT_ROLE_TVS, 0}};
    reset = list(RECOVERY, r, 1);
    reset.data[reset.len - 10] ^= 1; /* a byte of a record: the digest no longer matches */
    pt_ph_lists have = lists(NULL, &itl);
    pt_ph_verdict v;
    pt_ph_check_itl(&have, reset.data, reset.len, NULL, &v);
    assert_false(v.accept);
    assert_non_null(strstr(v.reason, "signature"));
    /* and a truncated one is malformed, with where */
    pt_ph_check_itl(&have, reset.data, 40, NULL, &v);
    assert_false(v.accept);
    assert_non_null(strstr(v.reason, "malformed"));
    pt_buf_free(&reset);
    pt_buf_free(&itl);
}

static void test_itl_rollback_and_ctl(void **state)
{
    (void)state;
    /* a rollback ITL (no TVS, no TFTP): whatever comes next is accepted */
    rec rr[] = {{CAPF, PT_ROLE_CAPF, 0}};
    pt_buf rollback = list(OLD_CCM, rr, 1), other = cluster_itl(NEW_CCM);
    assert_true(pt_ph_is_rollback_itl(rollback.data, rollback.len));
    assert_false(pt_ph_is_rollback_itl(other.data, other.len));
    pt_ph_lists have = lists(NULL, &rollback);
    pt_ph_verdict v;
    pt_ph_check_itl(&have, other.data, other.len, NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_ROLLBACK);

    /* no ITL but a CTL: the ITL's signer must be in it (CCM+TFTP) */
    rec cr[] = {{NEW_CCM, PT_ROLE_CCM_TFTP, 0}, {CAPF, PT_ROLE_CAPF, 0}};
    pt_buf ctl = list(TOKEN, cr, 2);
    pt_ph_lists ctl_only = lists(&ctl, NULL);
    pt_ph_check_itl(&ctl_only, other.data, other.len, NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_CTL);
    assert_int_equal(v.signer_role, PT_ROLE_CCM_TFTP);
    pt_buf old = cluster_itl(OLD_CCM);
    pt_ph_check_itl(&ctl_only, old.data, old.len, NULL, &v);
    assert_false(v.accept);
    assert_non_null(strstr(v.reason, "not in the installed CTL"));
    pt_buf_free(&old);
    pt_buf_free(&ctl);
    pt_buf_free(&rollback);
    pt_buf_free(&other);
}

static void test_hash_only_records_match_by_hash(void **state)
{
    (void)state;
    /* the installed ITL lists ITLRecovery as a hash-only SAST record */
    rec r[] = {{TVS, PT_ROLE_TVS, 0}, {RECOVERY, PT_ROLE_SAST, 1}};
    pt_buf itl = list(OLD_CCM, r, 2);
    rec r2[] = {{TVS, PT_ROLE_TVS, 0}};
    pt_buf reset = list(RECOVERY, r2, 1);
    pt_ph_lists have = lists(NULL, &itl);
    pt_ph_verdict v;
    pt_ph_check_itl(&have, reset.data, reset.len, NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_ITL);
    /* another signer does not match that record's hash */
    pt_buf other = list(NEW_CCM, r2, 1);
    pt_ph_check_itl(&have, other.data, other.len, NULL, &v);
    assert_false(v.accept);
    pt_buf_free(&other);
    pt_buf_free(&reset);
    pt_buf_free(&itl);
}

static void test_ctl_rules(void **state)
{
    (void)state;
    rec cr[] = {{OLD_CCM, PT_ROLE_CCM_TFTP, 0}, {RECOVERY, PT_ROLE_SAST, 0}};
    pt_buf tokenless = list(OLD_CCM, cr, 2);
    pt_ph_verdict v;
    pt_ph_lists none = lists(NULL, NULL);
    pt_ph_check_ctl(&none, tokenless.data, tokenless.len, NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_TOFU);
    /* the ITLRecovery SAST of the installed CTL re-signs it (utils ctl reset localkey) */
    pt_buf reset = list(RECOVERY, cr, 2);
    pt_ph_lists have = lists(&tokenless, NULL);
    pt_ph_check_ctl(&have, reset.data, reset.len, NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_CTL);
    /* tokenless -> eToken: the token is in no list; TVS vouches for it as SAST */
    rec tr[] = {{OLD_CCM, PT_ROLE_CCM_TFTP, 0}};
    pt_buf etoken = list(TOKEN, tr, 1);
    fake_tvs t = {-1, 0, 0};
    pt_ph_tvs tvs = {tvs_ask, &t};
    pt_ph_check_ctl(&have, etoken.data, etoken.len, &tvs, &v);
    assert_false(v.accept);
    assert_non_null(strstr(v.reason, "SAST-ADN0054f509"));
    t = (fake_tvs){TOKEN, 1u << PT_ROLE_SAST, 0};
    pt_ph_check_ctl(&have, etoken.data, etoken.len, &tvs, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_TVS);
    /* a CCM+TFTP record of the old CTL does not authorize a CTL signer (SAST only) */
    pt_buf by_ccm = list(OLD_CCM, tr, 1);
    rec only_token[] = {{OLD_CCM, PT_ROLE_CCM_TFTP, 0}};
    pt_buf token_ctl = list(TOKEN, only_token, 1);
    pt_ph_lists have_token = lists(&token_ctl, NULL);
    t = (fake_tvs){-1, 0, 0};
    pt_ph_check_ctl(&have_token, by_ccm.data, by_ccm.len, &tvs, &v);
    assert_false(v.accept);
    pt_buf_free(&by_ccm);
    pt_buf_free(&token_ctl);
    pt_buf_free(&etoken);
    pt_buf_free(&reset);
    pt_buf_free(&tokenless);
}

static void test_config_files(void **state)
{
    (void)state;
    pt_buf itl = cluster_itl(OLD_CCM), ok = config(OLD_CCM), foreign = config(NEW_CCM);
    pt_ph_lists have = lists(NULL, &itl);
    pt_ph_verdict v;
    char l1[200], l2[200];
    pt_ph_check_config(&have, "SEP001122334455.cnf.xml", ok.data, ok.len, &v, l1, l2);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_ITL);
    assert_int_equal(v.signer_role, PT_ROLE_TFTP);
    assert_string_equal(l1, "");
    /* signed by another cluster: seed 000's two console lines */
    pt_ph_check_config(&have, "SEP00260BD749E9.cnf.xml", foreign.data, foreign.len, &v, l1, l2);
    assert_false(v.accept);
    assert_string_equal(l1, "SECD: EROR:verifyFile: sgn verify file failed </usr/ram/SEP00260BD749E9.cnf.xml>, "
                            "errclass 8, errcode 19 (signer not in CTL)");
    assert_string_equal(l2, "SECD: EROR:verifyFile: verify FAILED, </usr/ram/SEP00260BD749E9.cnf.xml>");
    /* a tampered file from the right signer is refused too */
    ok.data[ok.len - 3] ^= 0x20;
    pt_ph_check_config(&have, "SEP001122334455.cnf.xml", ok.data, ok.len, &v, l1, l2);
    assert_false(v.accept);
    /* a phone without lists, or holding a rollback ITL, takes it unchecked */
    pt_ph_lists none = lists(NULL, NULL);
    pt_ph_check_config(&none, "SEP001122334455.cnf.xml", foreign.data, foreign.len, &v, l1, l2);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_UNCHECKED);
    rec rr[] = {{CAPF, PT_ROLE_CAPF, 0}};
    pt_buf rollback = list(OLD_CCM, rr, 1);
    pt_ph_lists rb = lists(NULL, &rollback);
    pt_ph_check_config(&rb, "SEP001122334455.cnf.xml", foreign.data, foreign.len, &v, l1, l2);
    assert_true(v.accept);
    /* but a malformed file never */
    pt_ph_check_config(&none, "SEP001122334455.cnf.xml", foreign.data, 12, &v, l1, l2);
    assert_false(v.accept);
    assert_non_null(strstr(v.reason, "malformed"));
    pt_buf_free(&rollback);
    pt_buf_free(&itl);
    pt_buf_free(&ok);
    pt_buf_free(&foreign);
}

/* A fleet shares one key cache: the verdicts are the ones without it, a
 * cached key never excuses a bad signature, and two clusters' signers do
 * not mix. */
static void test_shared_key_cache(void **state)
{
    (void)state;
    pt_keycache *keys = pt_keycache_new(8);
    assert_non_null(keys);
    pt_buf old_itl = cluster_itl(OLD_CCM), new_itl = cluster_itl(NEW_CCM), a = config(OLD_CCM), b = config(NEW_CCM);
    pt_ph_lists on_old = lists(NULL, &old_itl), on_new = lists(NULL, &new_itl), none = lists(NULL, NULL);
    on_old.keys = on_new.keys = none.keys = keys;
    pt_ph_verdict v;
    for (int round = 0; round < 2; round++) { /* the second round runs from the cache */
        pt_ph_check_itl(&none, old_itl.data, old_itl.len, NULL, &v);
        assert_true(v.accept);
        pt_ph_check_config(&on_old, "SEP001122334455.cnf.xml", a.data, a.len, &v, NULL, NULL);
        assert_true(v.accept);
        assert_int_equal(v.how, PT_PH_BY_ITL);
        pt_ph_check_config(&on_new, "SEP001122334455.cnf.xml", b.data, b.len, &v, NULL, NULL);
        assert_true(v.accept);
        pt_ph_check_config(&on_old, "SEP001122334455.cnf.xml", b.data, b.len, &v, NULL, NULL);
        assert_false(v.accept);
        pt_ph_check_config(&on_new, "SEP001122334455.cnf.xml", a.data, a.len, &v, NULL, NULL);
        assert_false(v.accept);
    }
    a.data[a.len - 3] ^= 0x20; /* tampered, the signer's key cached */
    pt_ph_check_config(&on_old, "SEP001122334455.cnf.xml", a.data, a.len, &v, NULL, NULL);
    assert_false(v.accept);
    old_itl.data[old_itl.len - 10] ^= 1;
    pt_ph_check_itl(&none, old_itl.data, old_itl.len, NULL, &v);
    assert_false(v.accept);
    pt_buf_free(&old_itl);
    pt_buf_free(&new_itl);
    pt_buf_free(&a);
    pt_buf_free(&b);
    pt_keycache_free(keys);
}

static void test_servers_and_https(void **state)
{
    (void)state;
    pt_buf itl = cluster_itl(OLD_CCM);
    pt_ph_lists have = lists(NULL, &itl);
    assert_true(pt_ph_server_trusted(&have, der[TVS], der_len[TVS], PT_ROLE_TVS));
    assert_false(pt_ph_server_trusted(&have, der[CAPF], der_len[CAPF], PT_ROLE_TVS));
    assert_true(pt_ph_server_trusted(&have, der[CAPF], der_len[CAPF], PT_ROLE_CAPF));
    assert_false(pt_ph_server_trusted(&have, der[NEW_CCM], der_len[NEW_CCM], PT_ROLE_CAPF));
    pt_ph_verdict v;
    pt_ph_check_https(&have, der[OLD_CCM], der_len[OLD_CCM], NULL, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_ITL);
    fake_tvs t = {-1, 0, 0};
    pt_ph_tvs tvs = {tvs_ask, &t};
    pt_ph_check_https(&have, der[APP], der_len[APP], &tvs, &v);
    assert_false(v.accept);
    t = (fake_tvs){APP, 1u << PT_ROLE_APP_SERVER, 0};
    pt_ph_check_https(&have, der[APP], der_len[APP], &tvs, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_TVS);
    assert_int_equal(v.signer_role, PT_ROLE_APP_SERVER);
    pt_buf_free(&itl);
}

/* A certificate's role in the lists decides what it may do: TVS, CAPF and
 * ITLRecovery certificates of the ITL never sign a config, never sign the
 * next ITL by themselves, and are no HTTPS server; a list that is not the
 * installed one byte for byte is never "unchanged". */
static void test_roles_are_not_interchangeable(void **state)
{
    (void)state;
    pt_buf itl = cluster_itl(OLD_CCM);
    pt_ph_lists have = lists(NULL, &itl);
    pt_ph_verdict v;
    char l1[200], l2[200];
    /* configs: only the TFTP (CallManager) certificate signs them */
    int signers[] = {TVS, CAPF, RECOVERY};
    for (size_t i = 0; i < 3; i++) {
        pt_buf cfg = config(signers[i]);
        pt_ph_check_config(&have, "SEP001122334455.cnf.xml", cfg.data, cfg.len, &v, l1, l2);
        assert_false(v.accept);
        assert_int_equal(v.how, PT_PH_REFUSED);
        assert_non_null(strstr(l1, "errcode 19 (signer not in CTL)"));
        pt_buf_free(&cfg);
    }
    /* a config signed by the right certificate with a forged signature */
    pt_buf forged = config(NEW_CCM), good = config(OLD_CCM);
    pt_header hf, hg;
    assert_int_equal(pt_header_parse(forged.data, forged.len, &hf, NULL), PT_OK);
    assert_int_equal(pt_header_parse(good.data, good.len, &hg, NULL), PT_OK);
    assert_int_equal(hf.serial.n, hg.serial.n);
    memcpy((uint8_t *)hf.serial.p, hg.serial.p, hg.serial.n); /* names OLD_CCM, signed by NEW_CCM */
    pt_header_free(&hf);
    pt_header_free(&hg);
    pt_ph_check_config(&have, "SEP001122334455.cnf.xml", forged.data, forged.len, &v, l1, l2);
    assert_false(v.accept);
    pt_buf_free(&forged);
    pt_buf_free(&good);

    /* the next ITL signed by the ITL's TVS or CAPF certificate: only TVS can vouch */
    fake_tvs t = {-1, 0, 0};
    pt_ph_tvs tvs = {tvs_ask, &t};
    int itl_signers[] = {TVS, CAPF};
    for (size_t i = 0; i < 2; i++) {
        rec r[] = {{OLD_CCM, PT_ROLE_TFTP, 0}, {TVS, PT_ROLE_TVS, 0}};
        pt_buf next = list(itl_signers[i], r, 2);
        t = (fake_tvs){-1, 0, 0};
        pt_ph_check_itl(&have, next.data, next.len, &tvs, &v);
        assert_false(v.accept);
        assert_int_equal(t.asked, 1);
        pt_buf_free(&next);
    }
    /* an installed ITL with TVS but no TFTP record is no rollback ITL */
    rec tv[] = {{TVS, PT_ROLE_TVS, 0}};
    pt_buf tvs_only = list(OLD_CCM, tv, 1), other = cluster_itl(NEW_CCM);
    assert_false(pt_ph_is_rollback_itl(tvs_only.data, tvs_only.len));
    pt_ph_lists have_tvs_only = lists(NULL, &tvs_only);
    t = (fake_tvs){-1, 0, 0};
    pt_ph_check_itl(&have_tvs_only, other.data, other.len, &tvs, &v);
    assert_false(v.accept);
    pt_buf_free(&tvs_only);
    /* the ITL the usecallmanager tools build (SAST + CCM, no TFTP, no TVS)
     * is no rollback ITL either: only a SAST it holds replaces it */
    rec ucm[] = {{OLD_CCM, PT_ROLE_CCM, 0}};
    pt_buf ucm_itl = list(OLD_CCM, ucm, 1);
    assert_false(pt_ph_is_rollback_itl(ucm_itl.data, ucm_itl.len));
    pt_ph_lists have_ucm = lists(NULL, &ucm_itl);
    t = (fake_tvs){-1, 0, 0};
    pt_ph_check_itl(&have_ucm, other.data, other.len, &tvs, &v);
    assert_false(v.accept);
    pt_buf by_sast = cluster_itl(OLD_CCM);
    pt_ph_check_itl(&have_ucm, by_sast.data, by_sast.len, &tvs, &v);
    assert_true(v.accept);
    assert_int_equal(v.how, PT_PH_BY_ITL);
    pt_buf_free(&by_sast);
    /* nor one with an application server's certificate */
    rec app[] = {{CAPF, PT_ROLE_CAPF, 0}, {APP, PT_ROLE_APP_SERVER, 0}};
    pt_buf app_itl = list(OLD_CCM, app, 2);
    assert_false(pt_ph_is_rollback_itl(app_itl.data, app_itl.len));
    pt_buf_free(&app_itl);
    pt_buf_free(&ucm_itl);

    /* the same length, other bytes: verified, not "unchanged" */
    pt_buf same_len = cluster_itl(OLD_CCM);
    assert_int_equal(same_len.len, itl.len);
    same_len.data[same_len.len - 20] ^= 1;
    pt_ph_check_itl(&have, same_len.data, same_len.len, &tvs, &v);
    assert_false(v.accept);
    assert_int_equal(v.how, PT_PH_REFUSED);
    pt_buf_free(&same_len);

    /* a CTL signed by a CAPF record of the installed CTL: refused without TVS */
    rec cr[] = {{OLD_CCM, PT_ROLE_CCM_TFTP, 0}, {CAPF, PT_ROLE_CAPF, 0}};
    pt_buf ctl = list(TOKEN, cr, 2), by_capf = list(CAPF, cr, 2);
    pt_ph_lists have_ctl = lists(&ctl, NULL);
    t = (fake_tvs){-1, 0, 0};
    pt_ph_check_ctl(&have_ctl, by_capf.data, by_capf.len, &tvs, &v);
    assert_false(v.accept);
    /* and a phone with a CTL takes no ITL on first use */
    pt_ph_check_itl(&have_ctl, other.data, other.len, &tvs, &v);
    assert_false(v.accept);
    pt_buf_free(&ctl);
    pt_buf_free(&by_capf);
    pt_buf_free(&other);

    /* HTTPS: the ITL's TVS and CAPF certificates are no application servers */
    t = (fake_tvs){-1, 0, 0};
    pt_ph_check_https(&have, der[TVS], der_len[TVS], &tvs, &v);
    assert_false(v.accept);
    pt_ph_check_https(&have, der[CAPF], der_len[CAPF], &tvs, &v);
    assert_false(v.accept);
    /* a certificate is a record's only when it is the same bytes, all of them */
    uint8_t *longer = malloc((size_t)der_len[TVS] + 1);
    memcpy(longer, der[TVS], (size_t)der_len[TVS]);
    longer[der_len[TVS]] = 0;
    assert_false(pt_ph_server_trusted(&have, longer, (size_t)der_len[TVS] + 1, PT_ROLE_TVS));
    assert_false(pt_ph_server_trusted(&have, der[TVS], (size_t)der_len[TVS] - 1, PT_ROLE_TVS));
    free(longer);
    pt_buf_free(&itl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_itl_tofu_unchanged_and_signer_in_itl),
        cmocka_unit_test(test_itl_new_signer_needs_tvs),
        cmocka_unit_test(test_itl_bad_signature_never_excused),
        cmocka_unit_test(test_itl_rollback_and_ctl),
        cmocka_unit_test(test_hash_only_records_match_by_hash),
        cmocka_unit_test(test_ctl_rules),
        cmocka_unit_test(test_config_files),
        cmocka_unit_test(test_shared_key_cache),
        cmocka_unit_test(test_servers_and_https),
        cmocka_unit_test(test_roles_are_not_interchangeable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
