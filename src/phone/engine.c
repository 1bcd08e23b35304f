/*
 * engine.c - the phone's trust decisions (phone-trust-rules.md).
 *
 * "Present" always means the same certificate (DER bytes, or the hash of a
 * hash-only record), never a subject name; a role never excuses a bad
 * signature: every list is first verified with its own signer record.
 */
#include "engine.h"

#include "phonetrust/constants.h"
#include "phonetrust/crypto.h"
#include "phonetrust/error.h"
#include "phonetrust/sgn.h"
#include "phonetrust/trustlist.h"

#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BIT(role) (1u << (role))

const char *pt_ph_how_name(pt_ph_how how)
{
    switch (how) {
    case PT_PH_REFUSED: return "refused";
    case PT_PH_UNCHANGED: return "unchanged";
    case PT_PH_TOFU: return "trusted on first use";
    case PT_PH_ROLLBACK: return "accepted over a rollback ITL";
    case PT_PH_BY_ITL: return "signer in the installed ITL";
    case PT_PH_BY_CTL: return "signer in the installed CTL";
    case PT_PH_BY_TVS: return "signer vouched for by TVS";
    case PT_PH_UNCHECKED: return "taken without a trust list";
    }
    return "?";
}

static void verdict(pt_ph_verdict *v, int accept, pt_ph_how how, int role, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void verdict(pt_ph_verdict *v, int accept, pt_ph_how how, int role, const char *fmt, ...)
{
    v->accept = accept;
    v->how = how;
    v->signer_role = role;
    v->reason[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->reason, sizeof v->reason, fmt, ap);
        va_end(ap);
    }
}

/* The role of the first record of list[0..len) with a role in `roles` that
 * is the certificate der, or -1 (also when the list does not parse). */
static int role_in(const uint8_t *list, size_t len, const uint8_t *der, size_t dlen, uint32_t roles)
{
    if (!list || !len)
        return -1;
    pt_trustlist tl;
    if (pt_tl_parse(list, len, &tl, NULL))
        return -1;
    int found = -1;
    for (size_t i = 0; i < tl.n_recs && found < 0; i++) {
        const pt_record *r = &tl.recs[i];
        if (r->role >= 0 && r->role < 32 && (roles & BIT(r->role)) && pt_record_matches_cert(r, der, dlen))
            found = r->role;
    }
    pt_tl_free(&tl);
    return found;
}

static int lowest_role(uint32_t roles)
{
    for (int i = 0; i < 32; i++)
        if (roles & BIT(i))
            return i;
    return -1;
}

int pt_ph_is_rollback_itl(const uint8_t *itl, size_t len)
{
    /* the ITL of "Prepare Cluster for Rollback to pre-8.0": its TVS and
     * TFTP sections are empty, nothing is left but the signer (SAST) and
     * CAPF records.  Any other record - a TVS, a TFTP, a CCM (the SIP-TLS
     * certificate of a usecallmanager ITL), an application server - makes
     * it an ordinary ITL, replaced only by a signer it holds
     * (docs/rollback-itl.md). */
    pt_trustlist tl;
    if (!itl || pt_tl_parse(itl, len, &tl, NULL))
        return 0;
    int rollback = 1;
    for (size_t i = 0; i < tl.n_recs; i++) {
        int role = tl.recs[i].role;
        if (role != PT_ROLE_SAST && role != PT_ROLE_CAPF)
            rollback = 0;
    }
    pt_tl_free(&tl);
    return rollback;
}

/* Parses and self-verifies a served list; on success *signer is the
 * signer record.  On failure the verdict says why. */
static int open_served(const char *what, const uint8_t *served, size_t len, pt_keycache *keys, pt_trustlist *tl,
                       int *signer, pt_ph_verdict *v)
{
    pt_diag d;
    pt_diag_clear(&d);
    if (pt_tl_parse(served, len, tl, &d)) {
        verdict(v, 0, PT_PH_REFUSED, -1, "%s: malformed: %s", what, d.msg);
        return -1;
    }
    if (pt_tl_verify_cached(tl, keys, signer, &d)) {
        verdict(v, 0, PT_PH_REFUSED, -1, "%s: the signature does not verify: %s", what, d.msg);
        pt_tl_free(tl);
        return -1;
    }
    return 0;
}

static int same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return a && alen == blen && memcmp(a, b, alen) == 0;
}

/* The signer's subject for messages. */
static void signer_name(const pt_record *r, char *out, size_t n)
{
    snprintf(out, n, "%.*s", (int)(r->subject.n < 200 ? r->subject.n : 200), (const char *)r->subject.p);
}

static int ask_tvs(const pt_ph_tvs *tvs, const uint8_t *der, size_t len, uint32_t wanted)
{
    uint32_t roles = 0;
    if (!tvs || !tvs->ask || !tvs->ask(tvs->arg, der, len, &roles))
        return -1;
    return lowest_role(roles & wanted);
}

void pt_ph_check_ctl(const pt_ph_lists *have, const uint8_t *served, size_t len, const pt_ph_tvs *tvs,
                     pt_ph_verdict *v)
{
    if (same(have->ctl, have->ctl_len, served, len)) {
        verdict(v, 1, PT_PH_UNCHANGED, -1, NULL);
        return;
    }
    pt_trustlist tl;
    int s;
    if (open_served("CTL", served, len, have->keys, &tl, &s, v))
        return;
    const pt_record *r = &tl.recs[s];
    int role;
    if (!have->ctl)
        verdict(v, 1, PT_PH_TOFU, PT_ROLE_SAST, NULL);
    else if ((role = role_in(have->ctl, have->ctl_len, r->certificate.p, r->certificate.n, BIT(PT_ROLE_SAST))) >= 0)
        verdict(v, 1, PT_PH_BY_CTL, role, NULL);
    else if ((role = ask_tvs(tvs, r->certificate.p, r->certificate.n, BIT(PT_ROLE_SAST))) >= 0)
        verdict(v, 1, PT_PH_BY_TVS, role, NULL);
    else {
        char name[210];
        signer_name(r, name, sizeof name);
        verdict(v, 0, PT_PH_REFUSED, -1, "CTL: signer %s is not a SAST of the installed CTL and TVS does not vouch for it",
                name);
    }
    pt_tl_free(&tl);
}

void pt_ph_check_itl(const pt_ph_lists *have, const uint8_t *served, size_t len, const pt_ph_tvs *tvs,
                     pt_ph_verdict *v)
{
    if (same(have->itl, have->itl_len, served, len)) {
        verdict(v, 1, PT_PH_UNCHANGED, -1, NULL);
        return;
    }
    pt_trustlist tl;
    int s;
    if (open_served("ITL", served, len, have->keys, &tl, &s, v))
        return;
    const pt_record *r = &tl.recs[s];
    const uint8_t *der = r->certificate.p;
    size_t n = r->certificate.n;
    const uint32_t in_ctl = BIT(PT_ROLE_SAST) | BIT(PT_ROLE_CCM_TFTP);
    char name[210];
    signer_name(r, name, sizeof name);
    int role;
    if (!have->itl) {
        if (!have->ctl)
            verdict(v, 1, PT_PH_TOFU, PT_ROLE_SAST, NULL);
        else if ((role = role_in(have->ctl, have->ctl_len, der, n, in_ctl)) >= 0)
            verdict(v, 1, PT_PH_BY_CTL, role, NULL);
        else
            verdict(v, 0, PT_PH_REFUSED, -1, "ITL: signer %s is not in the installed CTL", name);
    } else if (pt_ph_is_rollback_itl(have->itl, have->itl_len)) {
        verdict(v, 1, PT_PH_ROLLBACK, -1, NULL);
    } else if ((role = role_in(have->itl, have->itl_len, der, n, BIT(PT_ROLE_SAST))) >= 0) {
        verdict(v, 1, PT_PH_BY_ITL, role, NULL);
    } else if ((role = role_in(have->ctl, have->ctl_len, der, n, in_ctl)) >= 0) {
        verdict(v, 1, PT_PH_BY_CTL, role, NULL);
    } else if ((role = ask_tvs(tvs, der, n, BIT(PT_ROLE_SAST) | BIT(PT_ROLE_TFTP) | BIT(PT_ROLE_CCM_TFTP))) >= 0) {
        verdict(v, 1, PT_PH_BY_TVS, role, NULL);
    } else {
        verdict(v, 0, PT_PH_REFUSED, -1,
                "ITL: signer %s is not a SAST of the installed ITL, not in the CTL, and TVS does not vouch for it",
                name);
    }
    pt_tl_free(&tl);
}

/* Tries the TFTP / CCM+TFTP certificates of one list whose serial is the
 * file's signer's: RSA through the key cache, others (ECDSA) through X509. */
static int config_signer_in(const uint8_t *list, size_t len, const uint8_t *file, size_t flen, pt_keycache *keys,
                            int *role)
{
    pt_trustlist tl;
    pt_header h;
    if (!list || pt_header_parse(file, flen, &h, NULL))
        return 0;
    if (pt_tl_parse(list, len, &tl, NULL)) {
        pt_header_free(&h);
        return 0;
    }
    uint8_t dg[EVP_MAX_MD_SIZE];
    size_t dglen = 0;
    int have_digest = pt_header_signed_digest(file, flen, &h, dg, &dglen) == PT_OK, ok = 0;
    for (size_t i = 0; i < tl.n_recs && !ok; i++) {
        const pt_record *r = &tl.recs[i];
        if ((r->role != PT_ROLE_TFTP && r->role != PT_ROLE_CCM_TFTP) || !r->certificate.n ||
            r->serial.n != h.serial.n || memcmp(r->serial.p, h.serial.p, h.serial.n))
            continue;
        int rc = have_digest ? pt_verify_digest_der(keys, r->certificate.p, r->certificate.n, h.hash, dg, dglen,
                                                    h.signature.p, h.signature.n, NULL)
                             : PT_ERR_KEY;
        if (rc == PT_ERR_KEY) { /* not RSA: the general path */
            X509 *cert = pt_cert_from_der(r->certificate.p, r->certificate.n);
            pt_header h2 = {0};
            rc = cert && pt_sgn_verify(file, flen, cert, &h2, NULL) == PT_OK ? PT_OK : PT_ERR_SIGNATURE;
            if (cert)
                pt_header_free(&h2);
            X509_free(cert);
        }
        if (rc == PT_OK) {
            ok = 1;
            *role = r->role;
        }
    }
    pt_tl_free(&tl);
    pt_header_free(&h);
    return ok;
}

void pt_ph_check_config(const pt_ph_lists *have, const char *name, const uint8_t *file, size_t len,
                        pt_ph_verdict *v, char *log1, char *log2)
{
    pt_header h;
    pt_diag d;
    pt_diag_clear(&d);
    if (log1)
        log1[0] = 0;
    if (log2)
        log2[0] = 0;
    if (pt_header_parse(file, len, &h, &d)) {
        verdict(v, 0, PT_PH_REFUSED, -1, "%s: malformed: %s", name, d.msg);
    } else {
        pt_header_free(&h);
        int role = -1;
        int no_lists = !have->ctl && (!have->itl || pt_ph_is_rollback_itl(have->itl, have->itl_len));
        if (no_lists)
            verdict(v, 1, PT_PH_UNCHECKED, -1, NULL);
        else if (config_signer_in(have->ctl, have->ctl_len, file, len, have->keys, &role))
            verdict(v, 1, PT_PH_BY_CTL, role, NULL);
        else if (config_signer_in(have->itl, have->itl_len, file, len, have->keys, &role))
            verdict(v, 1, PT_PH_BY_ITL, role, NULL);
        else
            verdict(v, 0, PT_PH_REFUSED, -1, "%s: signer not in CTL", name);
    }
    if (!v->accept) {
        if (log1)
            snprintf(log1, 200,
                     "SECD: EROR:verifyFile: sgn verify file failed </usr/ram/%.60s>, errclass 8, errcode 19 (signer "
                     "not in CTL)",
                     name);
        if (log2)
            snprintf(log2, 200, "SECD: EROR:verifyFile: verify FAILED, </usr/ram/%.60s>", name);
    }
}

int pt_ph_server_trusted(const pt_ph_lists *have, const uint8_t *der, size_t len, int role)
{
    if (role == PT_ROLE_TVS)
        return role_in(have->itl, have->itl_len, der, len, BIT(PT_ROLE_TVS)) >= 0;
    if (role == PT_ROLE_CAPF)
        return role_in(have->itl, have->itl_len, der, len, BIT(PT_ROLE_CAPF)) >= 0 ||
               role_in(have->ctl, have->ctl_len, der, len, BIT(PT_ROLE_CAPF)) >= 0;
    return 0;
}

void pt_ph_check_https(const pt_ph_lists *have, const uint8_t *der, size_t len, const pt_ph_tvs *tvs,
                       pt_ph_verdict *v)
{
    const uint32_t roles = BIT(PT_ROLE_APP_SERVER) | BIT(PT_ROLE_CCM) | BIT(PT_ROLE_CCM_TFTP) | BIT(PT_ROLE_TFTP);
    int role;
    if ((role = role_in(have->itl, have->itl_len, der, len, roles)) >= 0)
        verdict(v, 1, PT_PH_BY_ITL, role, NULL);
    else if ((role = role_in(have->ctl, have->ctl_len, der, len, roles)) >= 0)
        verdict(v, 1, PT_PH_BY_CTL, role, NULL);
    else if ((role = ask_tvs(tvs, der, len, ~0u)) >= 0)
        verdict(v, 1, PT_PH_BY_TVS, role, NULL);
    else
        verdict(v, 0, PT_PH_REFUSED, -1, "HTTPS: the server's certificate is in no trust list and TVS does not vouch for it");
}
