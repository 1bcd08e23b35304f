/*
 * engine.h - the simulated phone's trust decisions
 * (../shared/spec/phone-trust-rules.md): given the trust lists a phone has
 * installed and a file its TFTP server offers, accept or refuse, and say why.
 *
 * Pure functions of bytes: no files, no sockets.  TVS is reached through a
 * callback so the same rules serve a unit test, a phone on a real TLS
 * connection and a fleet on one event loop.
 */
#ifndef PHONETRUST_PHONE_ENGINE_H
#define PHONETRUST_PHONE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* What the phone holds; NULL / 0 when it has no such list. */
typedef struct pt_keycache pt_keycache;
typedef struct pt_ph_lists {
    const uint8_t *ctl;
    size_t ctl_len;
    const uint8_t *itl;
    size_t itl_len;
    /* optional (NULL): signers' verification keys the caller keeps between
     * checks - a fleet shares one, so ten thousand phones decode the
     * cluster's key once instead of ten thousand times */
    pt_keycache *keys;
} pt_ph_lists;

/* Asks the phone's TVS servers about a certificate.  Returns 1 and the roles
 * TVS vouches for ((1u << PT_ROLE_x) bits) when one vouches, 0 when none does
 * or none can be reached.  ask NULL: the phone has no TVS. */
typedef struct pt_ph_tvs {
    int (*ask)(void *arg, const uint8_t *der, size_t len, uint32_t *roles);
    void *arg;
} pt_ph_tvs;

typedef enum pt_ph_how {
    PT_PH_REFUSED = 0,
    PT_PH_UNCHANGED,     /* the same bytes as installed */
    PT_PH_TOFU,          /* nothing installed: trust on first use */
    PT_PH_ROLLBACK,      /* the installed ITL is a rollback ITL: accepted unconditionally */
    PT_PH_BY_ITL,        /* signer authorized by the installed ITL */
    PT_PH_BY_CTL,        /* ... by the installed CTL */
    PT_PH_BY_TVS,        /* ... vouched for by TVS */
    PT_PH_UNCHECKED,     /* a config file a phone without lists takes as it is */
} pt_ph_how;

typedef struct pt_ph_verdict {
    int accept;
    pt_ph_how how;
    int signer_role;     /* the role that authorized the signer, -1 if none */
    char reason[300];    /* why refused (names offset/record when malformed) */
} pt_ph_verdict;

const char *pt_ph_how_name(pt_ph_how how);

/* A rollback ITL (M21/M26): no TVS and no TFTP / CCM+TFTP records. */
int pt_ph_is_rollback_itl(const uint8_t *itl, size_t len);

/* Step 1 of the boot: the CTL served (never NULL: "nothing served" is the
 * caller's keep-what-you-have). */
void pt_ph_check_ctl(const pt_ph_lists *have, const uint8_t *served, size_t len, const pt_ph_tvs *tvs,
                     pt_ph_verdict *v);

/* Step 2: the ITL served. */
void pt_ph_check_itl(const pt_ph_lists *have, const uint8_t *served, size_t len, const pt_ph_tvs *tvs,
                     pt_ph_verdict *v);

/* Step 3: a signed config file (.cnf.xml.sgn or .cnf.xml.enc.sgn): its signer
 * must be a TFTP or CCM+TFTP record of the installed CTL or ITL whose
 * signature verifies.  On refusal log1/log2 (when non-NULL, 200 bytes) get
 * the phone's console lines of seed 000, for `name` (the file's name
 * without .sgn, e.g. SEP001122334455.cnf.xml). */
void pt_ph_check_config(const pt_ph_lists *have, const char *name, const uint8_t *file, size_t len,
                        pt_ph_verdict *v, char *log1, char *log2);

/* A TLS server the phone talks to: role PT_ROLE_TVS (a TVS record of the
 * installed ITL) or PT_ROLE_CAPF (the CAPF record of the ITL or CTL).
 * 1 when the certificate is that record's. */
int pt_ph_server_trusted(const pt_ph_lists *have, const uint8_t *der, size_t len, int role);

/* An HTTPS application server's certificate: APP-SERVER, CCM, CCM+TFTP or
 * TFTP in the lists, else whatever TVS vouches for. */
void pt_ph_check_https(const pt_ph_lists *have, const uint8_t *der, size_t len, const pt_ph_tvs *tvs,
                       pt_ph_verdict *v);

#endif
