/*
 * phone.h - one simulated Cisco phone: its state directory and its boot
 * sequence (phone-trust-rules.md) against a real cluster over TFTP, TLS TVS
 * and HTTP, with the trust decisions of engine.h.
 *
 * State: <state>/SEP<MAC>/ holds model, CTLFile.tlv, ITLFile.tlv (as
 * installed), config.xml (the config in force), locked (present while the
 * phone refused a list its TFTP server offers), status.log (the phone's
 * status messages), console.log, tvs-cache (vouched certificates until their
 * TTL ends), lsc.pem and mic.pem (certificate and key, 0600),
 * config-encrypted (present while the config in force came encrypted: the
 * next boot asks for the .enc.sgn first).  The simulator's CA that issues
 * MICs (EC P-256) lives in <state>/manufacturing-ca.pem (0600) and .crt.
 * Every file but the two logs is written atomically (temp + rename, no
 * fsync: PT_WRITE_NO_SYNC).  The boot itself is boot.h's.
 */
#ifndef PHONETRUST_PHONE_PHONE_H
#define PHONETRUST_PHONE_PHONE_H

#include <stdio.h>

#include "phonetrust/error.h"

typedef struct pt_phone_model {
    char name[8];        /* "8845" */
    int sbd;             /* Security By Default: takes an ITL */
    int family;          /* 79: the 79XX menus of M24; 0: the newer ones */
} pt_phone_model;

/* The models the cluster knows (pt_model_known); 0 for an unknown one. */
int pt_phone_model_find(const char *name, pt_phone_model *out);

typedef struct pt_phone_boot_opts {
    const char *state;      /* the fleet's state directory */
    const char *mac;        /* 12 hex digits (any case) or SEP<MAC> */
    const char *model;      /* NULL: the model remembered in the state */
    const char *tftp_host;  /* IPv4 address or host name */
    int tftp_port;          /* 69 */
    int http_port;          /* 6970: DeviceTLInfo; 0: no report */
    int timeout_ms;         /* per TFTP packet / TVS connection */
    const char *auth_string;/* CAPF authentication string typed on the phone, or NULL */
} pt_phone_boot_opts;

/* Outcome of a boot, for the caller's summary. */
typedef struct pt_phone_result {
    int ctl_changed, itl_changed, config_changed;
    int locked;          /* refused the CTL or ITL its TFTP server offers */
    int config_refused;
    int lsc_installed, lsc_deleted, lsc_pending, lsc_failed; /* CAPF */
    int lsc_unreachable; /* LSC: Connection Failed (stopped, or not the ITL's CAPF) */
    int files_refused;   /* files the configuration names whose signature the lists do not vouch for */
} pt_phone_result;

/* Normalizes a MAC to "SEP" + 12 upper-case hex digits; PT_ERR_ARG if not one. */
int pt_phone_name(const char *mac, char out[16], pt_diag *d);

/* One phone on its own event loop (boot.c); fleet.h boots many on one. */
int pt_phone_boot(const pt_phone_boot_opts *o, pt_phone_result *res, pt_diag *d);

/* A rehearsal's network: what the phones send to FROM_HOST:FROM_PORT (a
 * node's address and a service's port, as their lists and configuration
 * name them) goes to TO_HOST:TO_PORT instead (a copy of the cluster served
 * on loopback), as a lab's address translation would.  Process-wide; n = 0
 * removes it.  A FROM_HOST that does not resolve is left out (the phones
 * cannot reach it, as for real).  PT_ERR_ARG: a TO_HOST that does not
 * resolve, or too many. */
typedef struct pt_phone_redirect {
    const char *from_host, *to_host;
    int from_port, to_port;
} pt_phone_redirect;
int pt_phone_redirect_set(const pt_phone_redirect *r, size_t n, pt_diag *d);
/* A console line's text, after its number, level and time of day
 * ("1715: ERR 16:59:35.170584 SECD: ..." -> "SECD: ..."). */
const char *pt_phone_console_text(const char *line);
/* What a phone holds, for `phone show`.  Missing files are NULL / 0. */
typedef struct pt_phone_state {
    char name[16];
    char model[16];
    unsigned char *ctl, *itl, *config;
    size_t ctl_len, itl_len, config_len;
    int locked;
    int lsc;                /* an LSC (and its key) installed by CAPF */
    char *status, *console; /* whole files, NUL-terminated */
} pt_phone_state;
/* PT_ERR_NOT_FOUND when the phone never booted. */
int pt_phone_load(const char *state, const char *mac, pt_phone_state *st, pt_diag *d);
void pt_phone_state_free(pt_phone_state *st);
/* What the phone makes of an HTTPS server (https://HOST[:PORT]/...): its
 * certificate through the lists, else the TVS servers of its config. */
struct pt_ph_verdict;
int pt_phone_https_check(const char *state, const char *mac, const char *url, int timeout_ms,
                         struct pt_ph_verdict *v, pt_diag *d);
/* The settings-menu erase: removes ITL and CTL; prints the model's menu path. */
int pt_phone_erase_trust_list(const char *state, const char *mac, FILE *out, pt_diag *d);
/* Erases lists, config, status and console; keeps the model. */
int pt_phone_factory_reset(const char *state, const char *mac, FILE *out, pt_diag *d);

#endif
