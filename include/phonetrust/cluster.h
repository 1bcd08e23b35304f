/*
 * cluster.h - the cluster's state: nodes, their certificates and keys,
 * trust stores, enterprise parameters, and the files each TFTP node serves
 * (mission M1-M8, M16-M18).
 *
 * Everything lives in a cluster home directory:
 *   cluster.db           SQLite database (schema versioned by user_version)
 *   keys/                private keys, 0700; each key file 0600, named by
 *                        node, certificate and serial, so a key is never
 *                        overwritten: the database switches to a new file
 *                        in one transaction
 *   tftp/<node>/         the files that node's TFTP service serves
 * Every change is one database transaction; every file is written
 * atomically (temp + fsync + rename).
 */
#ifndef PHONETRUST_CLUSTER_H
#define PHONETRUST_CLUSTER_H

#include <stddef.h>
#include <time.h>

#include "phonetrust/crypto.h"
#include "phonetrust/error.h"
#include "phonetrust/signedfile.h"

typedef struct pt_cluster pt_cluster;

/* The node certificates (M2). */
#define PT_CERT_CALLMANAGER "CallManager"
#define PT_CERT_CALLMANAGER_EC "CallManager-ECDSA"
#define PT_CERT_TVS "TVS"
#define PT_CERT_CAPF "CAPF"
#define PT_CERT_ITLRECOVERY "ITLRecovery"

/* Seconds within which a second CallManager/TVS regeneration is refused (M16). */
#define PT_REGEN_HOLD_SECONDS 300

typedef struct pt_install {
    const char *publisher, *domain, *ip;
    const char *org, *unit, *locality, *state, *country;
    const char *admin_password, *security_password;
} pt_install;

/* a node's services; CAPF only ever on the publisher */
enum { PT_SVC_TFTP = 1, PT_SVC_TVS = 2, PT_SVC_CALLMANAGER = 4, PT_SVC_CAPF = 8 };

typedef struct pt_node {
    char name[64];
    char ip[64];
    int publisher;
    int services; /* PT_SVC_* */
} pt_node;

/* Creates a new cluster home (refuses an existing one) with the
 * publisher's certificates.  Does not open it. */
int pt_cluster_install(const char *home, const pt_install *in, pt_diag *d);
int pt_cluster_open(const char *home, pt_cluster **out, pt_diag *d);
void pt_cluster_close(pt_cluster *c);
const char *pt_cluster_home(const pt_cluster *c);
/* The domain and subject attributes given at install. */
const char *pt_cluster_domain(const pt_cluster *c);

/* Nodes, publisher first then in the order they were added. */
int pt_cluster_nodes(pt_cluster *c, pt_node **nodes, size_t *n, pt_diag *d);
int pt_cluster_node(pt_cluster *c, const char *name, pt_node *out, pt_diag *d);
int pt_cluster_publisher(pt_cluster *c, pt_node *out, pt_diag *d);
int pt_cluster_node_add(pt_cluster *c, const char *name, const char *ip, int services, pt_diag *d);
int pt_cluster_node_remove(pt_cluster *c, const char *name, pt_diag *d);
/* "tftp,tvs,callmanager" <-> PT_SVC_* bits; -1 on an unknown service. */
int pt_services_parse(const char *s);
void pt_services_format(int services, char *out, size_t n);

/* Enterprise parameters (M4), by their CUCM names. */
typedef struct pt_param_def {
    const char *name;
    const char *dflt;
    int read_only;
    int served; /* the served files carry it: they change at the next Cisco Tftp restart */
} pt_param_def;
const pt_param_def *pt_cluster_param_defs(size_t *n);
int pt_cluster_param_get(pt_cluster *c, const char *name, char *out, size_t n, pt_diag *d);
int pt_cluster_param_set(pt_cluster *c, const char *name, const char *value, pt_diag *d);

/* Certificates.  name is one of PT_CERT_*; node NULL means the publisher
 * (CAPF and ITLRecovery exist on the publisher only). */
int pt_cluster_cert(pt_cluster *c, const char *node, const char *name, X509 **cert, pt_diag *d);
int pt_cluster_cert_key(pt_cluster *c, const char *node, const char *name, EVP_PKEY **key,
                        X509 **cert, pt_diag *d);
/* When name on node was last regenerated (0 = never). */
time_t pt_cluster_cert_modified(pt_cluster *c, const char *node, const char *name);
/*
 * The hold-timer check of M16: PT_ERR_REFUSED with the seed's message in d
 * when regenerating name on node now would follow a CallManager or TVS
 * regeneration of less than 5 minutes ago.
 */
int pt_cluster_regen_allowed(pt_cluster *c, const char *node, const char *name, time_t now, pt_diag *d);
/* Regenerates (new key and certificate, same subject); force skips the hold timer. */
int pt_cluster_cert_regen(pt_cluster *c, const char *node, const char *name, int force, pt_diag *d);
/* The certificate names every node has, and those only the publisher has. */
int pt_cluster_cert_name_valid(const char *name, int publisher);

/* Trust stores (M3). */
int pt_cluster_trust_import(pt_cluster *c, const char *purpose, const char *name, X509 *cert, pt_diag *d);
int pt_cluster_trust_delete(pt_cluster *c, const char *purpose, const char *name, pt_diag *d);
typedef struct pt_trust_entry {
    char purpose[64];
    char name[128];
    X509 *cert;
} pt_trust_entry;
int pt_cluster_trust_list(pt_cluster *c, pt_trust_entry **out, size_t *n, pt_diag *d);
void pt_trust_entries_free(pt_trust_entry *e, size_t n);
int pt_trust_purpose_valid(const char *purpose);

/* Passwords (stored as salted PBKDF2 hashes). */
int pt_cluster_check_admin_password(pt_cluster *c, const char *password, pt_diag *d);
int pt_cluster_check_security_password(pt_cluster *c, const char *password, pt_diag *d);

/* Disaster-recovery backup (M19): the database, every key and every served
 * file, encrypted with the cluster security password (backup.c). */
int pt_cluster_backup(pt_cluster *c, const char *security_password, pt_buf *out, pt_diag *d);
/* Restores a backup into a new cluster home (which must not exist). */
int pt_cluster_restore(const uint8_t *data, size_t len, const char *security_password, const char *home,
                       pt_diag *d);
/* Restores a backup over the cluster in home: built beside it
 * (home.restore-XXXXXX), shown to check (the current cluster and the
 * restored one; non-zero refuses, nothing changed), then exchanged with the
 * current home in one rename.  The replaced cluster is kept, its path in
 * kept (home.replaced-YYYYmmdd-HHMMSS).  home's parent must be writable. */
typedef int (*pt_restore_check)(pt_cluster *current, pt_cluster *restored, void *arg, pt_diag *d);
int pt_cluster_restore_over(const uint8_t *data, size_t len, const char *security_password, const char *home,
                            pt_restore_check check, void *arg, char *kept, size_t kept_n, pt_diag *d);
/* A copy of the cluster in home (empty or absent): the same entries as a
 * backup, unencrypted, put in place whole - a sandbox to rehearse on. */
int pt_cluster_copy_home(pt_cluster *c, const char *home, pt_diag *d);
/* Time passes on a copy: every time the database records (certificate
 * changes, reports, CAPF deadlines, alerts) moves seconds into the past, so
 * hold timers run out as they would after that wait (clockshift.c). */
int pt_cluster_age(pt_cluster *c, long seconds, pt_diag *d);

/* Changes whenever another process commits to the database (PRAGMA
 * data_version): how a long-running service notices the administrator's
 * changes without a restart. */
long long pt_cluster_data_version(pt_cluster *c);

/* 'utils service restart': the services by their CUCM names. A restart of
 * TVS or CAPF is a request recorded in the database (its generation goes up);
 * a running 'phonetrust serve' on that node sees it within a second and
 * reloads that service's certificate and caches, keeping connections and
 * transfers in progress. Generation 0: never restarted; -1: database error. */
#define PT_SERVICE_TFTP "Cisco Tftp"
#define PT_SERVICE_TVS "Cisco Trust Verification Service"
#define PT_SERVICE_CAPF "Cisco Certificate Authority Proxy Function"
int pt_cluster_service_restart(pt_cluster *c, const char *node, const char *service, pt_diag *d);
long long pt_cluster_service_generation(pt_cluster *c, const char *node, const char *service);
/* The PT_SVC_* bit of a service name (PT_SERVICE_*, case aside), 0 if none. */
int pt_service_bit(const char *service);
/* Activates (on) or deactivates a service of node: 1 if it changed, 0 if it
 * already was so, <0 (PT_ERR_*) on error.  CAPF only on the publisher. */
int pt_cluster_service_activate(pt_cluster *c, const char *node, const char *service, int on, pt_diag *d);

/* The TFTP directory of a node (home/tftp/<node>). */
int pt_cluster_tftp_dir(pt_cluster *c, const char *node, char *out, size_t n);

/*
 * Builds node's ITLFile.tlv (M6): the node's CallManager certificate as
 * SAST and TFTP, its CallManager-ECDSA as TFTP, then the publisher's CAPF
 * (hash only), every TVS node's TVS certificate (hash only) with the
 * publisher's ITLRecovery (SAST) after the publisher's TVS; signed by the
 * node's CallManager key.  With "Prepare Cluster for Rollback to pre-8.0"
 * True it builds the rollback ITL of M8 instead (no TVS, no TFTP records).
 */
int pt_cluster_build_itl(pt_cluster *c, const char *node, pt_buf *out, pt_diag *d);

/* `utils service restart "Cisco Tftp"` on node: rebuild and write its files. */
int pt_cluster_tftp_restart(pt_cluster *c, const char *node, pt_diag *d);

/* Who signs the ITL a node serves now: "CallManager" or "ITLRecovery". */
int pt_cluster_itl_signer(pt_cluster *c, const char *node, char *out, size_t n);

/*
 * `utils itl reset`: re-signs the publisher's current ITL with signer (the
 * ITLRecovery key) and installs it on every TFTP node.  progress is called
 * with each of the seed's progress lines.
 */
int pt_cluster_itl_reset(pt_cluster *c, const pt_signer *signer,
                         void (*progress)(const char *line, void *arg), void *arg, pt_diag *d);

/* ---- the ITLRecovery key backup (M19) ---- */

/* ITLRecovery key and certificate as PKCS#12, protected by a password
 * derived from the cluster security password the admin typed (checked:
 * PT_ERR_AUTH when it is not this cluster's) and the cluster's random salt
 * (itlrecovery.c). out is marked secret. */
int pt_cluster_itlrecovery_p12(pt_cluster *c, const char *security_password, pt_buf *out, pt_diag *d);
/* Appends a line to home/log/phonetrust.log. */
void pt_cluster_log(pt_cluster *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs the alerts in force, at most once a day (every process that opens
 * the cluster calls it: commands and, later, the services). */
int pt_cluster_log_daily_alerts(pt_cluster *c, time_t now);
/* Records that ITLRecovery.p12 was saved (clears the daily alert). */
int pt_cluster_itlrecovery_backed_up(pt_cluster *c, pt_diag *d);
/* The alerts in force (text, possibly empty). */
int pt_cluster_alerts(pt_cluster *c, char *out, size_t n, pt_diag *d);
/* Replaces the publisher's ITLRecovery key and certificate with those of a
 * saved ITLRecovery.p12 (utils itl reset remotekey). PT_ERR_AUTH when the
 * typed security password is not this cluster's or the .p12 does not open
 * with it. */
int pt_cluster_itlrecovery_import_p12(pt_cluster *c, const char *security_password, const uint8_t *data,
                                     size_t len, pt_diag *d);

/* ---- the CTL (M9, M10): ctl.c ---- */

/* Cluster Security Mode: 0 non-secure, 1 mixed. */
int pt_cluster_security_mode(pt_cluster *c);
/* Sets it (utils ctl set-cluster); mixed mode turns auto-registration off. */
int pt_cluster_set_security_mode(pt_cluster *c, int mode, pt_diag *d);
/* Builds the CTL: tokenless when ntokens == 0 (signer NULL: the publisher's
 * CallManager key), else the tokens' certificates as SAST and signer the
 * first token. */
int pt_cluster_build_ctl(pt_cluster *c, const pt_signer *signer, X509 *const *tokens, size_t ntokens,
                         pt_buf *out, pt_diag *d);
/* Writes CTLFile.tlv on every TFTP node. */
int pt_cluster_install_ctl(pt_cluster *c, const uint8_t *data, size_t len, pt_diag *d);
/* The CTL node serves (NULL: the publisher); PT_ERR_NOT_FOUND when none. */
int pt_cluster_current_ctl(pt_cluster *c, const char *node, uint8_t **data, size_t *len, pt_diag *d);
/* file delete tftp CTLFile.tlv on node. */
int pt_cluster_delete_ctl(pt_cluster *c, const char *node, int *found, pt_diag *d);

/* ---- bulk certificates between clusters (M20): bulkcert.c ---- */

/* This cluster's TFTP certificates as a PEM bundle; name is its file name
 * (<publisher>.<domain>.pem). */
int pt_cluster_bulk_export(pt_cluster *c, pt_buf *out, char *name, size_t name_len, pt_diag *d);
/* One file from several exports (duplicates dropped). */
int pt_bulk_consolidate(const pt_buf *bundles, size_t n, pt_buf *out, pt_diag *d);
/* Imports the other clusters' certificates of a (consolidated) bundle into
 * Phone-SAST-trust and CallManager-trust, in one transaction. */
int pt_cluster_bulk_import(pt_cluster *c, const uint8_t *data, size_t len, int *imported, pt_diag *d);

/* ---- devices (M5, M11): devices.c ---- */

enum pt_security_mode { PT_MODE_NON_SECURE = 1, PT_MODE_AUTHENTICATED = 2, PT_MODE_ENCRYPTED = 3 };

typedef struct pt_secprofile {
    char name[64];
    int mode;             /* pt_security_mode */
    int encrypted_config; /* TFTP Encrypted Config */
    char capf_auth[32];   /* null-string, auth-string, lsc, mic, lsc-or-mic */
} pt_secprofile;

typedef struct pt_device {
    char name[16];        /* SEP + 12 upper-case hex digits */
    char model[16];
    char pool[64];
    char profile[64];
    int settings_access, web_access, ssh_access, span_to_pc;
    char directory_url[256], services_url[256], authentication_url[256], locale[64];
    int has_lsc, has_mic;
    char itl_sha1[41], ctl_sha1[41], reported_tftp[64];
    time_t reported;
} pt_device;

/* SEP<MAC> with 12 hex digits; the canonical (upper-case) form into out. */
int pt_device_name_valid(const char *name, char out[16]);
/* Known models; *sbd says whether it supports Security By Default (M24). */
int pt_model_known(const char *model, int *sbd);
const char *pt_models_list(void);
/* A model list "8845" or "8845,7965,7940" (buf receives a copy; out[] points
 * into it, the first max kept): how many, or 0 with *bad the first name the
 * cluster does not know ("" for an empty list). */
size_t pt_models_split(const char *list, char *buf, size_t bufn, const char **out, size_t max, const char **bad);

int pt_cluster_device_add(pt_cluster *c, const char *name, const char *model, const char *pool,
                          const char *profile, pt_diag *d);
/* Bulk add (CUCM's BAT): count devices from `first` (SEP<MAC>, then MAC+1
 * ...), models "8845" or "8845,7965,7940" cycled; one transaction for the
 * rows, then their config files. */
int pt_cluster_device_add_range(pt_cluster *c, const char *first, size_t count, const char *models, const char *pool,
                                const char *profile, pt_diag *d);
int pt_cluster_device(pt_cluster *c, const char *name, pt_device *out, pt_diag *d);
int pt_cluster_devices(pt_cluster *c, pt_device **out, size_t *n, pt_diag *d);
int pt_cluster_device_remove(pt_cluster *c, const char *name, pt_diag *d);
/* key: settings-access, web-access, ssh-access, span-to-pc (on/off),
 * directory-url, services-url, authentication-url, locale, pool, profile. */
int pt_cluster_device_set(pt_cluster *c, const char *name, const char *key, const char *value, pt_diag *d);
/* Records the phone's LSC or MIC certificate ("lsc" / "mic"); NULL deletes. */
int pt_cluster_device_set_cert(pt_cluster *c, const char *name, const char *which, X509 *cert, pt_diag *d);
int pt_cluster_device_cert(pt_cluster *c, const char *name, const char *which, X509 **cert, pt_diag *d);
/* DeviceTLInfo (M22): what the phone reported. */
int pt_cluster_device_report(pt_cluster *c, const char *name, const char *itl_sha1, const char *ctl_sha1,
                             const char *tftp, pt_diag *d);

/* ---- what a change would strand, from the phones' reports (guard.c) ---- */
enum { PT_ITL_MATCH, PT_ITL_MISMATCH, PT_ITL_NOT_INSTALLED, PT_ITL_UNKNOWN };
typedef struct pt_itl_status {
    char device[16];
    char node[64];                    /* its TFTP server (reported, else the first of its group) */
    char group[256];                  /* its CallManager group: the TVS it asks */
    char phone_sha1[41], server_sha1[41];
    int status;                       /* PT_ITL_* */
    time_t reported;                  /* its last verified report, 0: never */
    int current;                      /* Match, and that ITL came after every change of a
                                         certificate it needs (CallManager of its TFTP
                                         server, TVS of its group) */
} pt_itl_status;
/* Every device's row of `show itl-status` (out freed by the caller). */
int pt_cluster_itl_status(pt_cluster *c, pt_itl_status **out, size_t *n, pt_diag *d);
const char *pt_itl_status_name(int status);

#define PT_GUARD_FIRST 5
#define PT_GUARD_NODES 32
typedef struct pt_guard_node {
    char node[64];
    size_t at_risk, holding;          /* per TFTP server */
} pt_guard_node;
typedef struct pt_guard {
    size_t at_risk;                   /* phones the change would strand */
    size_t no_itl;                    /* concerned devices that hold no ITL (never reported one) */
    size_t reset_held;                /* of at_risk: current, but holding a reset ITL (utils itl reset),
                                         whose CallManager-signed successor needs the TVS they hold */
    char first[PT_GUARD_FIRST][16];   /* the first of them */
    size_t n_first;
    pt_guard_node nodes[PT_GUARD_NODES];
    size_t n_nodes;
} pt_guard;
/* set cert regen CallManager|TVS on node: the phones that need that
 * certificate and are not current (other names: nothing). */
int pt_cluster_guard_regen(pt_cluster *c, const char *node, const char *name, pt_guard *g, pt_diag *d);
/* The same, as pt_cluster_cert_regen refuses it without force: PT_ERR_REFUSED
 * with the counts, the first phones and the next step in d (g: the counts). */
int pt_cluster_regen_strands(pt_cluster *c, const char *node, const char *name, pt_guard *g, pt_diag *d);
/* utils service restart "Cisco Tftp" on node while its ITL is a reset one:
 * the phones of node that have not reported it. */
int pt_cluster_guard_tftp_restart(pt_cluster *c, const char *node, pt_guard *g, pt_diag *d);
/* utils disaster_recovery restore over the current cluster: the phones
 * holding an ITL (by their reports to the current cluster) that would not
 * take the restored cluster's ITL - its signer is neither a SAST they hold
 * nor vouched for by a TVS of their group they can still reach. */
int pt_cluster_guard_restore(pt_cluster *current, pt_cluster *restored, pt_guard *g, pt_diag *d);
/* The devices with a CAPF operation pending (at_risk, first): after a CAPF
 * regeneration they complete it only once they hold an ITL with the new
 * CAPF certificate (set cert regen CAPF warns, seed 004). */
int pt_cluster_capf_pending(pt_cluster *c, pt_guard *g, pt_diag *d);
/* "SEP..., SEP... and N more"; "  node: N of the M phones holding an ITL\n" lines */
void pt_guard_phones(const pt_guard *g, char *out, size_t n);
void pt_guard_counts(const pt_guard *g, char *out, size_t n);

int pt_cluster_pool_set(pt_cluster *c, const char *name, const char *group_csv, pt_diag *d);
int pt_cluster_pool_group(pt_cluster *c, const char *name, char *group_csv, size_t n, pt_diag *d);
int pt_cluster_profile_set(pt_cluster *c, const pt_secprofile *p, pt_diag *d);
int pt_cluster_profile(pt_cluster *c, const char *name, pt_secprofile *out, pt_diag *d);

/* A device's CAPF operation (M14). */
typedef struct pt_capf_op {
    char op[16];        /* install, delete, fetch, none */
    char auth[16];      /* null-string, auth-string, lsc, mic, lsc-or-mic */
    char password[32];  /* the authentication string */
    char key[16];       /* rsa1024, rsa2048, rsa3072, rsa4096, ec256, ec384, ec521 */
    time_t deadline;    /* Operation Completes By */
    char status[96];    /* Certificate Operation Status */
} pt_capf_op;

int pt_cluster_capf_get(pt_cluster *c, const char *device, pt_capf_op *out, pt_diag *d);
/* Schedules an operation; auth "" means the security profile's mode, a zero
 * deadline means now + "CAPF Operation Expires in (days)".  The status
 * becomes "Operation Pending". */
int pt_cluster_capf_set(pt_cluster *c, const char *device, const pt_capf_op *op, pt_diag *d);
/*
 * The bulk form (seed 004): every device of model; refused as a whole when
 * auth differs from a device's security profile.  *n receives the count.
 */
int pt_cluster_capf_bulk(pt_cluster *c, const char *model, const pt_capf_op *op, int *n, pt_diag *d);
/* Records an outcome; done clears the operation (back to none). */
int pt_cluster_capf_result(pt_cluster *c, const char *device, const char *status, int done, pt_diag *d);
/* The end of a device's CAPF operation, in one statement: its status, the
 * operation over, and its LSC (lsc_change 1: now lsc; -1: none; 0: as it
 * was).  Its configuration files are not rewritten: the caller does, with
 * pt_cluster_write_configs_of (serve gathers them, several at a time). */
int pt_cluster_capf_finish(pt_cluster *c, const char *device, int lsc_change, X509 *lsc, const char *status,
                           pt_diag *d);
/* The configuration files of these devices rewritten on every TFTP node:
 * one signer and one flush per node; a device no longer there is left out. */
int pt_cluster_write_configs_of(pt_cluster *c, const char *const *devices, size_t n, pt_diag *d);

/* Authentication strings are guessed one at a time: at most one attempt per
 * device per PT_CAPF_ATTEMPT_SPACING seconds, and PT_CAPF_MAX_FAILURES wrong
 * ones end the operation (it must be scheduled again). */
#define PT_CAPF_ATTEMPT_SPACING 1
#define PT_CAPF_MAX_FAILURES 5
/* Records an attempt at now_ms (milliseconds since the epoch); *too_soon =
 * 1 (and nothing recorded) when the last one was less than
 * PT_CAPF_ATTEMPT_SPACING seconds before. */
int pt_cluster_capf_attempt(pt_cluster *c, const char *device, int64_t now_ms, int *too_soon, pt_diag *d);
/* Counts a wrong string; *failures receives the count so far. */
int pt_cluster_capf_wrong(pt_cluster *c, const char *device, int *failures, pt_diag *d);

/* Certificates the administrator adds to every node's ITL (and to the CTL
 * in mixed mode) with a role: CCM (the PBX's SIP-TLS certificate),
 * CCM+TFTP, TFTP (an HTTPS provisioning server, EC), APP-SERVER (XML
 * services).  Served from the next TFTP restart (itlrecords.c). */
typedef struct pt_itl_record {
    char name[128];
    int role;
    X509 *cert;
} pt_itl_record;
int pt_itl_record_role_valid(int role);
/* PT_ERR_EXISTS for the same name and role; PT_ERR_TOO_LARGE (nothing
 * added) when a node's ITL or the CTL would no longer fit a phone. */
int pt_cluster_itl_record_add(pt_cluster *c, const char *name, int role, X509 *cert, pt_diag *d);
int pt_cluster_itl_record_delete(pt_cluster *c, const char *name, int role, pt_diag *d);
int pt_cluster_itl_records(pt_cluster *c, pt_itl_record **out, size_t *n, pt_diag *d);
void pt_itl_records_free(pt_itl_record *r, size_t n);

/* `utils import usecallmanager` (import.c): an installation of the
 * usecallmanagernz tools brought in without locking a phone. */
typedef struct pt_import_ucm {
    const char *sast;    /* PEM: the key and certificate that signed the phones' ITL (required) */
    const char *tftp;    /* PEM: the certificate that signed their configurations (kept in the ITL as CCM) */
    const char *tvs_db;  /* tvsctl's tvs.sqlite3 */
    const char *capf_db; /* capfctl's capf.sqlite3 */
    const char *capf;    /* PEM: capfd's key and certificate */
    const char *model;   /* model of devices the cluster does not know yet (default 8845) */
} pt_import_ucm;
#define PT_IMPORT_WARNINGS 32
typedef struct pt_import_report {
    int tvs_certs, devices, devices_added, lscs, operations;
    int n_warnings;
    char warnings[PT_IMPORT_WARNINGS][320]; /* rows taken only in part, and why */
} pt_import_report;
/* Reads and checks everything, then brings it in step by step (each
 * whole; running it again completes an interrupted import) and ends with
 * a TFTP restart of the publisher. */
int pt_cluster_import_usecallmanager(pt_cluster *c, const pt_import_ucm *in, pt_import_report *r, pt_diag *d);

/* The SEP<MAC>.cnf.xml a node serves to a device (M11). */
int pt_cluster_device_config(pt_cluster *c, const char *node, const char *name, pt_buf *xml, pt_diag *d);
/*
 * Writes the configuration files node serves: for each device (or only
 * `device` when given) SEP<MAC>.cnf.xml and its .sgn signed with the
 * node's CallManager (TFTP) key, or - when its profile asks for encrypted
 * configuration and the device has an LSC or MIC on record - the .enc.sgn
 * and its signed stub instead of the plain file; and, with
 * auto-registration on, XMLDefault.cnf.xml (unsigned, for models without
 * Security By Default) and XMLDefault.cnf.xml.sgn.
 */
int pt_cluster_write_config_files(pt_cluster *c, const char *node, const char *device, pt_diag *d);

/* The elements of a configuration that carry trust, which the cluster
 * always sets: the TVS servers, the security mode, the CAPF server and
 * operation (configs.c). */
extern const char *const pt_config_trust_elements[];
/*
 * The administrator's configuration (base, named base_name in errors) with
 * the cluster's trust elements in it: every other node of base is kept as
 * written (comments, order, white space); each trust element of base is
 * replaced by the cluster's, at the place of its first occurrence, or
 * removed when the cluster's configuration has none; the cluster's that
 * base lacks are added at the end of <device>.  PT_ERR_FORMAT (name, line)
 * when either is not a well-formed <device> document.
 */
int pt_config_merge(const uint8_t *base, size_t base_len, const char *base_name, const uint8_t *cluster,
                    size_t cluster_len, pt_buf *out, pt_diag *d);

/* What a node serves for one device. */
typedef struct pt_config_out {
    pt_buf plain; /* SEP<MAC>.cnf.xml; empty when the configuration is encrypted */
    pt_buf sgn;   /* SEP<MAC>.cnf.xml.sgn: the configuration signed, or the encrypted one's stub */
    pt_buf enc;   /* SEP<MAC>.cnf.xml.enc.sgn; empty unless encrypted */
} pt_config_out;
/* The files for `dev` (as pt_cluster_device read it) signed by s: from the cluster's configuration,
 * or, when base is given, from the administrator's file with the cluster's
 * trust elements set in it (pt_config_merge); encrypted when the device's
 * profile says so and an RSA LSC or MIC is on record. */
int pt_cluster_config_out(pt_cluster *c, const pt_signer *s, const pt_device *dev, const uint8_t *base,
                          size_t base_len, const char *base_name, pt_config_out *out, pt_diag *d);
void pt_config_out_free(pt_config_out *o);
/* data signed as the cluster signs configuration files, the header naming
 * filename (a path relative to the served tree, ending in .sgn). */
int pt_cluster_sign_file(const pt_signer *s, const char *filename, const uint8_t *data, size_t len, pt_buf *out,
                         pt_diag *d);

#endif
