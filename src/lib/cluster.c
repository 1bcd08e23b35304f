/*
 * cluster.c - the cluster's state in SQLite, its node certificates and
 * keys, enterprise parameters, trust stores, and the ITL each TFTP node
 * serves (see cluster.h).
 */
#include "phonetrust/cluster.h"
#include "phonetrust/cert.h"
#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"
#include "phonetrust/trustlist.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCHEMA_VERSION 12

#include "cluster_internal.h"

/* ---- schema and migrations ---- */

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE cluster (\n"
    "  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "  domain TEXT NOT NULL, org TEXT, unit TEXT, locality TEXT, state TEXT, country TEXT,\n"
    "  admin_password TEXT NOT NULL, security_password TEXT NOT NULL,\n"
    "  security_password_changed INTEGER NOT NULL, itlrecovery_backup INTEGER,\n"
    "  created INTEGER NOT NULL);\n"
    "CREATE TABLE nodes (\n"
    "  name TEXT PRIMARY KEY, ip TEXT NOT NULL, publisher INTEGER NOT NULL DEFAULT 0,\n"
    "  services INTEGER NOT NULL, seq INTEGER NOT NULL);\n"
    "CREATE TABLE certs (\n"
    "  node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE, name TEXT NOT NULL,\n"
    "  der BLOB NOT NULL, key_file TEXT NOT NULL, created INTEGER NOT NULL, modified INTEGER,\n"
    "  PRIMARY KEY (node, name));\n"
    "CREATE TABLE trust (\n"
    "  purpose TEXT NOT NULL, name TEXT NOT NULL, der BLOB NOT NULL, added INTEGER NOT NULL,\n"
    "  PRIMARY KEY (purpose, name));\n"
    "CREATE TABLE params (name TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE itl_state (\n"
    "  node TEXT PRIMARY KEY REFERENCES nodes(name) ON DELETE CASCADE,\n"
    "  signer TEXT NOT NULL, sha1 TEXT NOT NULL, built INTEGER NOT NULL);\n",
    /* 1 -> 2: devices, device pools (CallManager groups), security profiles */
    "CREATE TABLE pools (name TEXT PRIMARY KEY, cm_group TEXT NOT NULL);\n"
    "CREATE TABLE profiles (\n"
    "  name TEXT PRIMARY KEY, mode INTEGER NOT NULL, encrypted_config INTEGER NOT NULL,\n"
    "  capf_auth TEXT NOT NULL);\n"
    "CREATE TABLE devices (\n"
    "  name TEXT PRIMARY KEY, model TEXT NOT NULL,\n"
    "  pool TEXT NOT NULL REFERENCES pools(name), profile TEXT NOT NULL REFERENCES profiles(name),\n"
    "  lsc BLOB, mic BLOB,\n"
    "  settings_access INTEGER NOT NULL DEFAULT 1, web_access INTEGER NOT NULL DEFAULT 1,\n"
    "  ssh_access INTEGER NOT NULL DEFAULT 0, span_to_pc INTEGER NOT NULL DEFAULT 0,\n"
    "  directory_url TEXT NOT NULL DEFAULT '', services_url TEXT NOT NULL DEFAULT '',\n"
    "  authentication_url TEXT NOT NULL DEFAULT '', locale TEXT NOT NULL DEFAULT 'English_United_States',\n"
    "  itl_sha1 TEXT, ctl_sha1 TEXT, reported_tftp TEXT, reported INTEGER);\n"
    "INSERT INTO pools (name, cm_group) SELECT 'Default', name FROM nodes WHERE publisher = 1;\n"
    "INSERT INTO profiles VALUES ('Standard Non-Secure', 1, 0, 'null-string');\n"
    "INSERT INTO profiles VALUES ('Standard Authenticated', 2, 0, 'null-string');\n"
    "INSERT INTO profiles VALUES ('Standard Encrypted', 3, 1, 'null-string');\n",
    /* 2 -> 3: the ITLRecovery.p12 password, derived from the cluster security password */
    "ALTER TABLE cluster ADD COLUMN p12_password TEXT;\n",
    /* 3 -> 4: when the daily alerts were last logged */
    "ALTER TABLE cluster ADD COLUMN alert_logged INTEGER;\n",
    /* 4 -> 5: certificates TVS vouches for with explicit roles and TTL (like tvsctl --add) */
    "CREATE TABLE tvs_certs (sha256 TEXT PRIMARY KEY, der BLOB NOT NULL, roles TEXT NOT NULL,\n"
    "  ttl INTEGER NOT NULL);\n",
    /* 5 -> 6: each device's CAPF operation (M14, seed 004) */
    "ALTER TABLE devices ADD COLUMN capf_op TEXT NOT NULL DEFAULT 'none';\n"
    "ALTER TABLE devices ADD COLUMN capf_auth TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE devices ADD COLUMN capf_password TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE devices ADD COLUMN capf_key TEXT NOT NULL DEFAULT 'rsa2048';\n"
    "ALTER TABLE devices ADD COLUMN capf_deadline INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE devices ADD COLUMN capf_status TEXT NOT NULL DEFAULT 'None';\n",
    /* 6 -> 7: 'utils service restart' requests a running server picks up */
    "CREATE TABLE service_restarts (node TEXT NOT NULL, service TEXT NOT NULL,\n"
    "  generation INTEGER NOT NULL, PRIMARY KEY (node, service));\n",
    /* 7 -> 8: wrong authentication strings counted, attempts spaced (hostile networks) */
    "ALTER TABLE devices ADD COLUMN capf_failures INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE devices ADD COLUMN capf_attempt_at INTEGER NOT NULL DEFAULT 0; -- milliseconds\n",
    /* 8 -> 9: the ITLRecovery.p12 password is no longer kept; a random salt per
     * cluster, and the password derived from it and the security password the
     * admin types (itlrecovery.c) */
    "ALTER TABLE cluster ADD COLUMN p12_salt TEXT;\n"
    "UPDATE cluster SET p12_salt = lower(hex(randomblob(16)));\n"
    "ALTER TABLE cluster DROP COLUMN p12_password;\n",
    /* 9 -> 10: certificates the administrator adds to every ITL with a role (itlrecords.c) */
    "CREATE TABLE itl_records (name TEXT NOT NULL, role INTEGER NOT NULL, der BLOB NOT NULL,\n"
    "  added INTEGER NOT NULL, PRIMARY KEY (name, role));\n",
    /* 10 -> 11: the order of certificate changes and ITL builds (guard.c): a
     * change takes the counter's next number, an ITL the number of the last
     * change it includes (seconds are too coarse: both in one second) */
    "ALTER TABLE cluster ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE certs ADD COLUMN changed_seq INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE itl_state ADD COLUMN built_seq INTEGER NOT NULL DEFAULT 0;\n",
    /* 11 -> 12: CAPF is a service of the publisher that can be deactivated
     * (nodeservices.c); it was always active before */
    "UPDATE nodes SET services = services | 8 WHERE publisher = 1;\n",
};

/* A full disk (or a write the system refused) is not a damaged database:
 * 1 for such a result code (extended or not). */
static int disk_refused(int e)
{
    return (e & 0xff) == SQLITE_FULL || (e & 0xff) == SQLITE_IOERR;
}
#define DISK_REFUSED " (the disk is full, or refuses writes; nothing was changed)"

int pt__db_err(pt_cluster *c, pt_diag *d, const char *what)
{
    int full = disk_refused(sqlite3_errcode(c->db));
    return pt_diag_set(d, full ? PT_ERR_IO : PT_ERR_DB, PT_NO_OFFSET, "%s: %s%s", what, sqlite3_errmsg(c->db),
                       full ? DISK_REFUSED : "");
}

int pt__exec(pt_cluster *c, const char *sql, pt_diag *d)
{
    char *msg = NULL;
    int e = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (e != SQLITE_OK) {
        int full = disk_refused(e);
        int rc = pt_diag_set(d, full ? PT_ERR_IO : PT_ERR_DB, PT_NO_OFFSET, "database: %s%s", msg ? msg : "error",
                             full ? DISK_REFUSED : "");
        sqlite3_free(msg);
        return rc;
    }
    return PT_OK;
}

void pt__sign_opts_cucm(pt_sign_opts *o, const char *filename)
{
    pt_sign_opts_init(o);
    o->layout = PT_LAYOUT_LEGACY;
    o->signer_version = PT_SIGNER_VERSION_NONE;
    o->filename = filename;
}

int pt__begin(pt_cluster *c, pt_diag *d) { return pt__exec(c, "BEGIN IMMEDIATE", d); }
int pt__commit(pt_cluster *c, pt_diag *d) { return pt__exec(c, "COMMIT", d); }
void pt__rollback(pt_cluster *c) { sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL); }

static int migrate(pt_cluster *c, pt_diag *d)
{
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "reading the schema version");
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > SCHEMA_VERSION)
        return pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET,
                           "the cluster database has schema %d; this phonetrust knows up to %d (upgrade phonetrust)",
                           version, SCHEMA_VERSION);
    for (int v = version; v < SCHEMA_VERSION; v++) {
        int rc = pt__begin(c, d);
        if (!rc)
            rc = pt__exec(c, migrations[v], d);
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (!rc)
            rc = pt__exec(c, sql, d);
        if (!rc)
            rc = pt__commit(c, d);
        if (rc) {
            pt__rollback(c);
            return rc;
        }
    }
    return PT_OK;
}

static int open_db(pt_cluster *c, const char *path, int create, pt_diag *d)
{
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        int rc = pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "%s: %s", path,
                             c->db ? sqlite3_errmsg(c->db) : "cannot open");
        sqlite3_close(c->db);
        c->db = NULL;
        return rc;
    }
    /* Another command may hold the database: wait for it, then fail clearly. */
    sqlite3_busy_timeout(c->db, 15000);
    int rc = pt__exec(c, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                            " PRAGMA secure_delete = ON", d);
    if (!rc) {
        /* a corrupt file fails here rather than half-way through a command */
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(c->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW ||
            strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
            if (disk_refused(sqlite3_errcode(c->db)))
                rc = pt__db_err(c, d, path);
            else
                rc = pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "%s is damaged (%s); restore it from a backup", path,
                                 sqlite3_errmsg(c->db));
        }
        sqlite3_finalize(st);
    }
    if (!rc)
        rc = migrate(c, d);
    if (rc) {
        if (!strstr(d->msg, path))
            pt_diag_prefix(d, rc, "%s", path);
        pt__db_close(c);
    }
    return rc;
}

/* ---- passwords ---- */

#define PBKDF2_ITER 20000

static int hash_password(const char *pw, const char *salt_hex, char *out, size_t n)
{
    uint8_t salt[16], dk[32];
    if (salt_hex) {
        for (int i = 0; i < 16; i++) {
            unsigned v;
            if (sscanf(salt_hex + 2 * i, "%2x", &v) != 1)
                return PT_ERR_FORMAT;
            salt[i] = (uint8_t)v;
        }
    } else if (RAND_bytes(salt, sizeof salt) != 1) {
        return PT_ERR_CRYPTO;
    }
    if (PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sizeof salt, PBKDF2_ITER, EVP_sha256(), sizeof dk, dk) != 1)
        return PT_ERR_CRYPTO;
    char sh[33], dh[65];
    snprintf(out, n, "pbkdf2-sha256$%d$%s$%s", PBKDF2_ITER, pt_hex(salt, 16, sh), pt_hex(dk, 32, dh));
    pt_wipe(dk, sizeof dk);
    return PT_OK;
}

static int check_password(const char *stored, const char *pw)
{
    const char *p = strchr(stored, '$');
    p = p ? strchr(p + 1, '$') : NULL;
    if (!p || strlen(p + 1) < 32)
        return 0;
    char again[160];
    if (hash_password(pw, p + 1, again, sizeof again))
        return 0;
    return CRYPTO_memcmp(again, stored, strlen(stored) + 1 <= sizeof again ? strlen(stored) + 1 : sizeof again) == 0 &&
           strlen(again) == strlen(stored);
}

/* ---- small helpers ---- */

/* home/<sub>/<name> into out (PATH_MAX); PT_ERR_ARG if it does not fit. */
static int home_path(const pt_cluster *c, const char *sub, const char *name, char *out)
{
    int n = snprintf(out, PATH_MAX, "%s/%s/%s", c->home, sub, name);
    return n > 0 && n < PATH_MAX ? PT_OK : PT_ERR_ARG;
}

int pt__is_ipv4(const char *s, uint8_t out[4])
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return 0;
    memcpy(out, &a.s_addr, 4);
    return 1;
}

static int valid_hostname(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = h[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '.' || ch == '_'))
            return 0;
    }
    return h[0] != '-' && h[0] != '.';
}

/* What phones are given to reach a node (CUCM's "Host Name/IP Address"): an
 * IPv4 address, or a host name they resolve themselves (then the ITL
 * carries no address for it). */
static int valid_address(const char *a)
{
    uint8_t ip[4];
    if (pt__is_ipv4(a, ip))
        return 1;
    int letter = 0;
    for (const char *p = a; *p; p++)
        letter |= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
    return letter && valid_hostname(a);
}
#define BAD_ADDRESS "--ip %s is neither an IPv4 address nor a host name"

static void fqdn(const pt_cluster *c, const char *host, char *out, size_t n)
{
    if (strchr(host, '.') || !c->domain[0])
        snprintf(out, n, "%s", host);
    else
        snprintf(out, n, "%s.%s", host, c->domain);
}

const char *pt_cluster_home(const pt_cluster *c) { return c->home; }
const char *pt_cluster_domain(const pt_cluster *c) { return c->domain; }

/* ---- certificates ---- */

static const char *const node_certs[] = {PT_CERT_CALLMANAGER, PT_CERT_CALLMANAGER_EC, PT_CERT_TVS};
static const char *const publisher_certs[] = {PT_CERT_CAPF, PT_CERT_ITLRECOVERY};

int pt_cluster_cert_name_valid(const char *name, int publisher)
{
    for (size_t i = 0; i < 3; i++)
        if (!strcmp(name, node_certs[i]))
            return 1;
    if (!strcmp(name, PT_CERT_ITLRECOVERY))
        return 1; /* every node has its own; the publisher's signs (seed 001) */
    for (size_t i = 0; publisher && i < 2; i++)
        if (!strcmp(name, publisher_certs[i]))
            return 1;
    return 0;
}

/* The subject CN of a certificate kind on a host (M2). */
static void cert_cn(const pt_cluster *c, const char *host, const char *name, char *out, size_t n)
{
    char f[320];
    fqdn(c, host, f, sizeof f);
    if (!strcmp(name, PT_CERT_CALLMANAGER_EC)) {
        snprintf(out, n, "%s-EC", f);
    } else if (!strcmp(name, PT_CERT_CAPF)) {
        uint8_t r[4];
        char hex[9];
        RAND_bytes(r, 4);
        snprintf(out, n, "CAPF-%s", pt_hex(r, 4, hex));
    } else if (!strcmp(name, PT_CERT_ITLRECOVERY)) {
        snprintf(out, n, "ITLRECOVERY_%s", f);
    } else {
        snprintf(out, n, "%s", f);
    }
}

/* Creates a key + certificate of kind name; subject CN given (or copied from old). */
static int make_cert(const pt_cluster *c, const char *name, const char *cn, EVP_PKEY **key, X509 **cert,
                     pt_diag *d)
{
    pt_cert_spec s;
    pt_cert_spec_init(&s);
    s.cn = cn;
    s.o = c->org[0] ? c->org : NULL;
    s.ou = c->unit[0] ? c->unit : NULL;
    s.l = c->locality[0] ? c->locality : NULL;
    s.st = c->state[0] ? c->state : NULL;
    s.c = c->country[0] ? c->country : NULL;
    s.cucm_order = 1;
    s.years = 5; /* CUCM self-signed certificates and ITLRecovery: 5 years */
    if (!strcmp(name, PT_CERT_CALLMANAGER_EC)) {
        s.key_type = PT_KEY_EC;
        s.curve = "secp384r1";
    }
    return pt_cert_create(&s, key, cert, d);
}

static int cert_row(pt_cluster *c, const char *node, const char *name, uint8_t **der, size_t *der_len,
                    char *key_file, size_t kn, time_t *modified, pt_diag *d)
{
    sqlite3_stmt *st;
    if (pt__prepare(c, "SELECT der, key_file, modified FROM certs WHERE node = ? AND name = ?", &st) != SQLITE_OK)
        return pt__db_err(c, d, "reading certificates");
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = PT_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (der) {
            *der = malloc(n ? n : 1);
            if (!*der) {
                rc = PT_ERR_NOMEM;
            } else {
                memcpy(*der, sqlite3_column_blob(st, 0), n);
                *der_len = n;
            }
        }
        if (key_file)
            snprintf(key_file, kn, "%s", (const char *)sqlite3_column_text(st, 1));
        if (modified)
            *modified = (time_t)sqlite3_column_int64(st, 2);
    } else {
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "node %s has no %s certificate", node, name);
    }
    pt__done(c, st);
    return rc;
}

/* Whose certificate name of node is: the node's; CAPF the publisher's;
 * ITLRecovery the node's own (seed 001: each node has one), the
 * publisher's for node NULL or a node from before they had their own. */
static int has_own(pt_cluster *c, const char *node, const char *name)
{
    sqlite3_stmt *st;
    int has = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM certs WHERE node = ?1 AND name = ?2", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        has = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return has;
}

static const char *owner_of(pt_cluster *c, const char *node, const char *name, char *buf, size_t n)
{
    if (node && strcmp(name, PT_CERT_CAPF) && (strcmp(name, PT_CERT_ITLRECOVERY) || has_own(c, node, name)))
        return node;
    pt_node pub;
    if (pt_cluster_publisher(c, &pub, NULL))
        return node ? node : "";
    snprintf(buf, n, "%s", pub.name);
    return buf;
}

int pt_cluster_cert(pt_cluster *c, const char *node, const char *name, X509 **cert, pt_diag *d)
{
    char owner[64];
    node = owner_of(c, node, name, owner, sizeof owner);
    uint8_t *der;
    size_t len;
    int rc = cert_row(c, node, name, &der, &len, NULL, 0, NULL, d);
    if (rc)
        return rc;
    *cert = pt_cert_from_der(der, len);
    free(der);
    return *cert ? PT_OK : pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "the stored %s certificate is damaged", name);
}

int pt_cluster_cert_key(pt_cluster *c, const char *node, const char *name, EVP_PKEY **key, X509 **cert,
                        pt_diag *d)
{
    char owner[64], key_file[400], path[PATH_MAX];
    node = owner_of(c, node, name, owner, sizeof owner);
    uint8_t *der;
    size_t len;
    int rc = cert_row(c, node, name, &der, &len, key_file, sizeof key_file, NULL, d);
    if (rc)
        return rc;
    if (home_path(c, "keys", key_file, path))
        rc = pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "the cluster home's path is too long");
    else
        rc = pt__key_load(c, key_file, path, der, len, key, cert, d);
    free(der);
    return rc;
}

time_t pt_cluster_cert_modified(pt_cluster *c, const char *node, const char *name)
{
    char owner[64];
    time_t m = 0;
    node = owner_of(c, node, name, owner, sizeof owner);
    if (cert_row(c, node, name, NULL, NULL, NULL, 0, &m, NULL))
        return 0;
    return m;
}

/* Writes the key to keys/<node>_<name>_<serial>.pem (0600); returns its file name. */
static int store_key(pt_cluster *c, const char *node, const char *name, EVP_PKEY *key, X509 *cert,
                     char *file, size_t n, pt_diag *d)
{
    uint8_t serial[64];
    size_t sn = 0;
    char hex[130];
    pt_cert_serial(cert, serial, &sn);
    snprintf(file, n, "%s_%s_%s.pem", node, name, pt_hex(serial, sn, hex));
    char path[PATH_MAX];
    if (home_path(c, "keys", file, path))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "the cluster home's path is too long");
    pt_buf pem;
    pt_buf_init(&pem);
    int rc = pt_pem_write(&pem, key, NULL);
    if (!rc)
        rc = pt_file_write_atomic(path, pem.data, pem.len, 0600, d);
    pt_buf_free(&pem);
    return rc;
}

static int insert_cert(pt_cluster *c, const char *node, const char *name, const char *cn, pt_diag *d)
{
    EVP_PKEY *key;
    X509 *cert;
    int rc = make_cert(c, name, cn, &key, &cert, d);
    if (rc)
        return rc;
    char file[400];
    rc = store_key(c, node, name, key, cert, file, sizeof file, d);
    pt_buf der;
    pt_buf_init(&der);
    if (!rc)
        rc = pt_cert_der(cert, &der);
    if (!rc) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(c->db,
                               "INSERT INTO certs (node, name, der, key_file, created) VALUES (?, ?, ?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = pt__db_err(c, d, "storing a certificate");
        } else {
            sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, 3, der.data, (int)der.len, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, file, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = pt__db_err(c, d, "storing a certificate");
            sqlite3_finalize(st);
        }
    }
    pt_buf_free(&der);
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc;
}

static int create_node_certs(pt_cluster *c, const char *node, int publisher, pt_diag *d)
{
    char cn[400];
    int rc = PT_OK;
    for (size_t i = 0; i < 3 && !rc; i++) {
        cert_cn(c, node, node_certs[i], cn, sizeof cn);
        rc = insert_cert(c, node, node_certs[i], cn, d);
    }
    for (size_t i = 0; publisher && i < 2 && !rc; i++) {
        cert_cn(c, node, publisher_certs[i], cn, sizeof cn);
        rc = insert_cert(c, node, publisher_certs[i], cn, d);
    }
    if (!publisher && !rc) { /* its own ITLRecovery, in no ITL (seed 001) */
        cert_cn(c, node, PT_CERT_ITLRECOVERY, cn, sizeof cn);
        rc = insert_cert(c, node, PT_CERT_ITLRECOVERY, cn, d);
    }
    return rc;
}

/*
 * Puts a new key and certificate in force for name on node: the key file
 * first (a new name, never overwriting), then the database row in one
 * transaction, then the old key file goes.  A crash leaves the old pair or
 * the new one in force.  A new ITLRecovery key brings the daily backup
 * alert back.
 */
int pt__replace_cert(pt_cluster *c, const char *node, const char *name, EVP_PKEY *key, X509 *cert,
                     time_t now, pt_diag *d)
{
    char file[400], old_file[400];
    int rc = cert_row(c, node, name, NULL, NULL, old_file, sizeof old_file, NULL, d);
    pt_buf der;
    pt_buf_init(&der);
    if (!rc)
        rc = store_key(c, node, name, key, cert, file, sizeof file, d);
    if (!rc)
        rc = pt_cert_der(cert, &der);
    if (rc) {
        pt_buf_free(&der);
        return rc;
    }
    if (!(rc = pt__begin(c, d))) {
        sqlite3_stmt *st;
        if ((rc = pt__exec(c, "UPDATE cluster SET change_seq = change_seq + 1", d)))
            ;
        else if (sqlite3_prepare_v2(c->db,
                                    "UPDATE certs SET der = ?, key_file = ?, modified = ?,"
                                    " changed_seq = (SELECT change_seq FROM cluster) WHERE node = ? AND name = ?",
                                    -1, &st, NULL) != SQLITE_OK) {
            rc = pt__db_err(c, d, "updating a certificate");
        } else {
            sqlite3_bind_blob(st, 1, der.data, (int)der.len, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
            sqlite3_bind_text(st, 4, node, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = pt__db_err(c, d, "updating a certificate");
            sqlite3_finalize(st);
        }
        pt_node pub;
        if (!rc && !strcmp(name, PT_CERT_ITLRECOVERY) && !pt_cluster_publisher(c, &pub, NULL) &&
            !strcmp(pub.name, node))
            rc = pt__exec(c, "UPDATE cluster SET itlrecovery_backup = NULL", d); /* back it up again */
        if (!rc)
            rc = pt__commit(c, d);
        else
            pt__rollback(c);
    }
    char path[PATH_MAX];
    /* on failure the new key file is an orphan and the old one stays in force */
    if (strcmp(file, old_file) && home_path(c, "keys", rc ? file : old_file, path) == PT_OK)
        unlink(path);
    pt_buf_free(&der);
    return rc;
}

int pt_cluster_regen_allowed(pt_cluster *c, const char *node, const char *name, time_t now, pt_diag *d)
{
    if (strcmp(name, PT_CERT_CALLMANAGER) && strcmp(name, PT_CERT_TVS))
        return PT_OK;
    static const char *const held[] = {PT_CERT_CALLMANAGER, PT_CERT_TVS};
    for (int i = 0; i < 2; i++) {
        time_t m = pt_cluster_cert_modified(c, node, held[i]);
        if (m && now >= m && now - m < PT_REGEN_HOLD_SECONDS)
            /* seed 001, verbatim (including CUCM's spelling) */
            return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                               "%s certificate was modified in the last 5 minutes. Please re-try\n"
                               "regnerating %s certificate at a later time",
                               held[i], name);
    }
    return PT_OK;
}

/* phones that need the certificate and have not taken the current ITL:
 * refused, with the counts, the first names and the next step (guard.c) */
int pt_cluster_regen_strands(pt_cluster *c, const char *node, const char *name, pt_guard *out, pt_diag *d)
{
    pt_guard g;
    int rc = pt_cluster_guard_regen(c, node, name, &g, d);
    if (out)
        *out = g;
    if (rc || !g.at_risk)
        return rc;
    char phones[200];
    pt_guard_phones(&g, phones, sizeof phones);
    return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                       "Regenerating %s on %s now would strand %zu phone%s (%s): they need that\n"
                       "certificate and have not reported the current ITL of their TFTP server since the last\n"
                       "CallManager or TVS change that concerns them.",
                       name, node, g.at_risk, g.at_risk == 1 ? "" : "s", phones);
}

int pt_cluster_cert_regen(pt_cluster *c, const char *node, const char *name, int force, pt_diag *d)
{
    pt_node n;
    int rc;
    if (node && !strcmp(name, PT_CERT_ITLRECOVERY) && !(rc = pt_cluster_node(c, node, &n, d)) && !n.publisher &&
        !has_own(c, node, name)) {
        /* a subscriber from before each node had its own: it gets one */
        char cn[400];
        cert_cn(c, node, name, cn, sizeof cn);
        if (!(rc = pt__begin(c, d)) && !(rc = insert_cert(c, node, name, cn, d)))
            return pt__commit(c, d);
        pt__rollback(c);
        return rc;
    }
    char owner[64];
    node = owner_of(c, node, name, owner, sizeof owner);
    if ((rc = pt_cluster_node(c, node, &n, d)))
        return rc;
    if (!pt_cluster_cert_name_valid(name, n.publisher))
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "unknown certificate %s on node %s", name, node);
    time_t now = time(NULL);
    if (!force && (rc = pt_cluster_regen_allowed(c, node, name, now, d)))
        return rc;
    if (!force && (rc = pt_cluster_regen_strands(c, node, name, NULL, d)))
        return rc;
    X509 *old;
    if ((rc = pt_cluster_cert(c, node, name, &old, d)))
        return rc;
    /* the same subject: ITLRecovery keeps its name even if the host changed (001) */
    char *cn = NULL;
    X509_NAME *subj = X509_get_subject_name(old);
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (idx >= 0)
        ASN1_STRING_to_UTF8((unsigned char **)&cn, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
    X509_free(old);
    if (!cn)
        return pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "the stored %s certificate has no CN", name);
    EVP_PKEY *key;
    X509 *cert;
    rc = make_cert(c, name, cn, &key, &cert, d);
    OPENSSL_free(cn);
    if (rc)
        return rc;
    rc = pt__replace_cert(c, node, name, key, cert, now, d);
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc;
}

/* ---- install / open ---- */

static void copy_attr(char *dst, size_t n, const char *v)
{
    snprintf(dst, n, "%s", v ? v : "");
}

static int load_cluster_row(pt_cluster *c, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT domain, org, unit, locality, state, country FROM cluster WHERE id = 1",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "reading the cluster");
    int rc = PT_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        copy_attr(c->domain, sizeof c->domain, (const char *)sqlite3_column_text(st, 0));
        copy_attr(c->org, sizeof c->org, (const char *)sqlite3_column_text(st, 1));
        copy_attr(c->unit, sizeof c->unit, (const char *)sqlite3_column_text(st, 2));
        copy_attr(c->locality, sizeof c->locality, (const char *)sqlite3_column_text(st, 3));
        copy_attr(c->state, sizeof c->state, (const char *)sqlite3_column_text(st, 4));
        copy_attr(c->country, sizeof c->country, (const char *)sqlite3_column_text(st, 5));
    } else {
        rc = pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "the database holds no cluster");
    }
    sqlite3_finalize(st);
    return rc;
}

int pt__rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
        return unlink(path); /* a file, or a link (never followed) */
    DIR *dir = opendir(path);
    if (!dir)
        return unlink(path);
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        pt__rm_tree(sub);
    }
    closedir(dir);
    return rmdir(path);
}

int pt_cluster_install(const char *home, const pt_install *in, pt_diag *d)
{
    if (!in->publisher || !valid_hostname(in->publisher))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--publisher %s is not a host name",
                           in->publisher ? in->publisher : "(missing)");
    if (!in->domain || !*in->domain || !valid_hostname(in->domain))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--domain %s is not a domain name", in->domain ? in->domain : "(missing)");
    if (!in->ip || !valid_address(in->ip))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, BAD_ADDRESS, in->ip ? in->ip : "(missing)");
    if (in->country && strlen(in->country) != 2)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--country %s: use a two-letter code", in->country);
    if (!in->admin_password || strlen(in->admin_password) < 6 || !in->security_password ||
        strlen(in->security_password) < 6)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "passwords must have at least 6 characters");
    /* built apart and put in place whole (homestage.c) */
    pt__home_stage stage;
    int src = pt__home_stage_begin(&stage, home, "install", d);
    if (src)
        return src;
    const char *tmp = stage.tmp;
    pt_cluster c;
    memset(&c, 0, sizeof c);
    snprintf(c.home, sizeof c.home, "%s", tmp);
    copy_attr(c.domain, sizeof c.domain, in->domain);
    copy_attr(c.org, sizeof c.org, in->org);
    copy_attr(c.unit, sizeof c.unit, in->unit);
    copy_attr(c.locality, sizeof c.locality, in->locality);
    copy_attr(c.state, sizeof c.state, in->state);
    copy_attr(c.country, sizeof c.country, in->country);
    char path[PATH_MAX + 64];
    int rc = PT_OK;
    snprintf(path, sizeof path, "%s/keys", tmp);
    if (mkdir(path, 0700) != 0)
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/tftp", tmp);
    if (!rc && mkdir(path, 0755) != 0)
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/cluster.db", tmp);
    if (!rc)
        rc = open_db(&c, path, 1, d);
    if (!rc)
        chmod(path, 0600); /* it holds password hashes */
    char admin[160], security[160], salt[33];
    if (!rc && (hash_password(in->admin_password, NULL, admin, sizeof admin) ||
                hash_password(in->security_password, NULL, security, sizeof security) || pt__p12_new_salt(salt)))
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot hash the passwords");
    if (!rc && !(rc = pt__begin(&c, d))) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(c.db,
                               "INSERT INTO cluster (id, domain, org, unit, locality, state, country, admin_password,"
                               " security_password, security_password_changed, created, p12_salt)"
                               " VALUES (1,?,?,?,?,?,?,?,?,?,?,?)",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = pt__db_err(&c, d, "creating the cluster");
        } else {
            const char *v[] = {in->domain, in->org, in->unit, in->locality, in->state, in->country, admin, security};
            for (int i = 0; i < 8; i++)
                sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 9, (sqlite3_int64)time(NULL));
            sqlite3_bind_int64(s, 10, (sqlite3_int64)time(NULL));
            sqlite3_bind_text(s, 11, salt, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = pt__db_err(&c, d, "creating the cluster");
            sqlite3_finalize(s);
        }
        if (!rc && sqlite3_prepare_v2(c.db, "INSERT INTO nodes (name, ip, publisher, services, seq) VALUES (?, ?, 1, ?, 0)",
                                      -1, &s, NULL) == SQLITE_OK) {
            sqlite3_bind_text(s, 1, in->publisher, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, in->ip, -1, SQLITE_STATIC);
            sqlite3_bind_int(s, 3, PT_SVC_TFTP | PT_SVC_TVS | PT_SVC_CALLMANAGER | PT_SVC_CAPF);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = pt__db_err(&c, d, "adding the publisher");
            sqlite3_finalize(s);
        }
        if (!rc && sqlite3_prepare_v2(c.db, "INSERT OR IGNORE INTO pools (name, cm_group) VALUES ('Default', ?)", -1,
                                      &s, NULL) == SQLITE_OK) {
            sqlite3_bind_text(s, 1, in->publisher, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = pt__db_err(&c, d, "creating the default device pool");
            sqlite3_finalize(s);
        }
        if (!rc)
            rc = create_node_certs(&c, in->publisher, 1, d);
        if (!rc)
            rc = pt__commit(&c, d);
        else
            pt__rollback(&c);
    }
    pt_wipe(admin, sizeof admin);
    pt_wipe(security, sizeof security);
    pt__db_close(&c);
    pt__keycache_free(c.keys);
    snprintf(path, sizeof path, "%s/tftp/%s", tmp, in->publisher);
    if (!rc && mkdir(path, 0755) != 0)
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create %s: %s", path, strerror(errno));
    if (!rc)
        rc = pt__home_stage_commit(&stage, d);
    if (rc)
        pt__home_stage_abort(&stage);
    return rc;
}

/* A key file no certificate row names: a command was killed between
 * writing the key and committing its row (replace_cert), or a temporary
 * file of a write it did not finish.  Removed once a minute old, so a
 * command that is between those two steps right now keeps its file. */
#define ORPHAN_AGE 60
static void sweep_orphan_keys(pt_cluster *c)
{
    char dir[PATH_MAX];
    if (pt_path_join(dir, sizeof dir, c->home, "keys"))
        return;
    DIR *dh = opendir(dir);
    sqlite3_stmt *st = NULL;
    if (!dh || sqlite3_prepare_v2(c->db, "SELECT 1 FROM certs WHERE key_file = ?", -1, &st, NULL) != SQLITE_OK) {
        if (dh)
            closedir(dh);
        return;
    }
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(dh))) {
        char path[PATH_MAX];
        struct stat fst;
        if (e->d_name[0] == '.' && !pt_is_temp_name(e->d_name))
            continue;
        if (pt_path_join(path, sizeof path, dir, e->d_name) || lstat(path, &fst) != 0 || !S_ISREG(fst.st_mode) ||
            now - fst.st_mtime < ORPHAN_AGE)
            continue;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, e->d_name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_DONE && unlink(path) == 0)
            pt_cluster_log(c, "removed %s: a private key no certificate uses (left by an interrupted command)",
                           e->d_name);
    }
    sqlite3_finalize(st);
    closedir(dh);
}

int pt_cluster_open(const char *home, pt_cluster **out, pt_diag *d)
{
    *out = NULL;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/cluster.db", home);
    struct stat st;
    if (stat(path, &st) != 0)
        return pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET,
                           "no cluster at %s (run 'phonetrust install', or give --home / PHONETRUST_HOME)", home);
    /* a home made by an older phonetrust (0755): tightened, when it is ours */
    if (stat(home, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 077) && st.st_uid == geteuid())
        chmod(home, 0700);
    pt_cluster *c = calloc(1, sizeof *c);
    if (!c)
        return PT_ERR_NOMEM;
    snprintf(c->home, sizeof c->home, "%s", home);
    int rc = open_db(c, path, 0, d);
    if (!rc)
        rc = load_cluster_row(c, d);
    if (rc) {
        pt_cluster_close(c);
        return rc;
    }
    sweep_orphan_keys(c);
    pt__home_stage_tidy(home);
    pt_cluster_log_daily_alerts(c, time(NULL));
    *out = c;
    return PT_OK;
}

void pt_cluster_close(pt_cluster *c)
{
    if (!c)
        return;
    pt__db_close(c);
    pt__keycache_free(c->keys);
    free(c);
}

int pt_cluster_check_security_password(pt_cluster *c, const char *password, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT security_password FROM cluster WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "reading the cluster");
    int ok = sqlite3_step(st) == SQLITE_ROW && check_password((const char *)sqlite3_column_text(st, 0), password);
    sqlite3_finalize(st);
    return ok ? PT_OK : pt_diag_set(d, PT_ERR_AUTH, PT_NO_OFFSET, "wrong cluster security password");
}

int pt_cluster_check_admin_password(pt_cluster *c, const char *password, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT admin_password FROM cluster WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "reading the cluster");
    int ok = sqlite3_step(st) == SQLITE_ROW && check_password((const char *)sqlite3_column_text(st, 0), password);
    sqlite3_finalize(st);
    return ok ? PT_OK : pt_diag_set(d, PT_ERR_AUTH, PT_NO_OFFSET, "wrong CCM Administrator password");
}

/* ---- nodes ---- */

static void node_from_row(sqlite3_stmt *st, pt_node *n)
{
    snprintf(n->name, sizeof n->name, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(n->ip, sizeof n->ip, "%s", (const char *)sqlite3_column_text(st, 1));
    n->publisher = sqlite3_column_int(st, 2);
    n->services = sqlite3_column_int(st, 3);
}

int pt_cluster_nodes(pt_cluster *c, pt_node **nodes, size_t *n, pt_diag *d)
{
    *nodes = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT name, ip, publisher, services FROM nodes ORDER BY publisher DESC, seq", -1,
                           &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "listing nodes");
    size_t cap = 0;
    int rc = PT_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            pt_node *nn = realloc(*nodes, cap * sizeof *nn);
            if (!nn) {
                rc = PT_ERR_NOMEM;
                break;
            }
            *nodes = nn;
        }
        node_from_row(st, &(*nodes)[(*n)++]);
    }
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_node(pt_cluster *c, const char *name, pt_node *out, pt_diag *d)
{
    sqlite3_stmt *st;
    if (pt__prepare(c, "SELECT name, ip, publisher, services FROM nodes WHERE name = ?", &st) !=
        SQLITE_OK)
        return pt__db_err(c, d, "reading nodes");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = PT_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        node_from_row(st, out);
    else
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no node %s in this cluster", name);
    pt__done(c, st);
    return rc;
}

int pt_cluster_publisher(pt_cluster *c, pt_node *out, pt_diag *d)
{
    sqlite3_stmt *st;
    if (pt__prepare(c, "SELECT name, ip, publisher, services FROM nodes WHERE publisher = 1", &st) != SQLITE_OK)
        return pt__db_err(c, d, "reading nodes");
    int rc = PT_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        node_from_row(st, out);
    else
        rc = pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "the cluster has no publisher");
    pt__done(c, st);
    return rc;
}

int pt_cluster_tftp_dir(pt_cluster *c, const char *node, char *out, size_t n)
{
    char path[PATH_MAX];
    if (pt__gen_building(c, node))
        snprintf(path, sizeof path, "%s", c->gen_dir); /* the generation being built */
    else if (home_path(c, "tftp", node, path))
        return PT_ERR_ARG;
    if (strlen(path) >= n)
        return PT_ERR_ARG;
    memcpy(out, path, strlen(path) + 1);
    return PT_OK;
}

int pt_cluster_node_add(pt_cluster *c, const char *name, const char *ip, int services, pt_diag *d)
{
    if (!valid_hostname(name))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is not a host name", name);
    if (!ip || !valid_address(ip))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, BAD_ADDRESS, ip ? ip : "(missing)");
    if (services <= 0 || (services & ~(PT_SVC_TFTP | PT_SVC_TVS | PT_SVC_CALLMANAGER)))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                           services > 0 ? "CAPF runs on the publisher only"
                                        : "a node runs at least one of tftp, tvs, callmanager");
    pt_node existing;
    if (pt_cluster_node(c, name, &existing, NULL) == PT_OK)
        return pt_diag_set(d, PT_ERR_EXISTS, PT_NO_OFFSET, "node %s is already in the cluster", name);
    char dir[PATH_MAX];
    pt_cluster_tftp_dir(c, name, dir, sizeof dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create %s: %s", dir, strerror(errno));
    int rc = pt__begin(c, d);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           "INSERT INTO nodes (name, ip, publisher, services, seq)"
                           " VALUES (?, ?, 0, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM nodes))",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = pt__db_err(c, d, "adding a node");
    } else {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ip, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, services);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = pt__db_err(c, d, "adding a node");
        sqlite3_finalize(st);
    }
    if (!rc)
        rc = create_node_certs(c, name, 0, d);
    if (!rc)
        rc = pt__commit(c, d);
    else
        pt__rollback(c);
    return rc;
}

int pt_cluster_node_remove(pt_cluster *c, const char *name, pt_diag *d)
{
    pt_node n;
    int rc = pt_cluster_node(c, name, &n, d);
    if (rc)
        return rc;
    if (n.publisher)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "%s is the publisher; it cannot be removed", name);
    /* collect the key files before the rows go */
    sqlite3_stmt *st;
    char files[8][400];
    int nf = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT key_file FROM certs WHERE node = ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        while (nf < 8 && sqlite3_step(st) == SQLITE_ROW)
            snprintf(files[nf++], sizeof files[0], "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    if ((rc = pt__begin(c, d)))
        return rc;
    if (sqlite3_prepare_v2(c->db, "DELETE FROM nodes WHERE name = ?", -1, &st, NULL) != SQLITE_OK) {
        rc = pt__db_err(c, d, "removing a node");
    } else {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = pt__db_err(c, d, "removing a node");
        sqlite3_finalize(st);
    }
    if (rc) {
        pt__rollback(c);
        return rc;
    }
    if ((rc = pt__commit(c, d)))
        return rc;
    for (int i = 0; i < nf; i++) {
        char path[PATH_MAX];
        if (home_path(c, "keys", files[i], path) == PT_OK)
            unlink(path);
    }
    pt__gen_remove(c, name);
    return PT_OK;
}

/* ---- enterprise parameters ---- */

#define P_SECURITY_MODE "Cluster Security Mode"
#define P_ROLLBACK "Prepare Cluster for Rollback to pre-8.0"
#define P_CAPF_PORT "CAPF Phone Port"
#define P_CAPF_EXPIRES "CAPF Operation Expires in (days)"
#define P_SECURITY_PASSWORD "Cluster Security Password"
#define P_AUTO_REGISTRATION "Auto-registration"
#define P_TVS_PORT "TVS Port"

static const pt_param_def params[] = {
    {P_SECURITY_MODE, "0", 1, 0},
    {P_ROLLBACK, "False", 0, 1},
    {P_CAPF_PORT, "3804", 0, 1},
    {P_CAPF_EXPIRES, "10", 0, 0},
    {P_SECURITY_PASSWORD, "********", 0, 0},
    {P_AUTO_REGISTRATION, "False", 0, 1},
    {P_TVS_PORT, "2445", 0, 1},
};

const pt_param_def *pt_cluster_param_defs(size_t *n)
{
    *n = sizeof params / sizeof params[0];
    return params;
}

static const pt_param_def *param_def(const char *name)
{
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (!strcasecmp(params[i].name, name))
            return &params[i];
    return NULL;
}

int pt_cluster_param_get(pt_cluster *c, const char *name, char *out, size_t n, pt_diag *d)
{
    const pt_param_def *def = param_def(name);
    if (!def)
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no enterprise parameter named '%s'", name);
    snprintf(out, n, "%s", def->dflt);
    if (!strcmp(def->name, P_SECURITY_PASSWORD))
        return PT_OK; /* never shown */
    sqlite3_stmt *st;
    if (pt__prepare(c, "SELECT value FROM params WHERE name = ?", &st) != SQLITE_OK)
        return pt__db_err(c, d, "reading parameters");
    sqlite3_bind_text(st, 1, def->name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    pt__done(c, st);
    return PT_OK;
}

static int set_param_row(pt_cluster *c, const char *name, const char *value, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO params (name, value) VALUES (?, ?)", -1, &st, NULL) !=
        SQLITE_OK)
        return pt__db_err(c, d, "setting a parameter");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "setting a parameter");
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_param_set(pt_cluster *c, const char *name, const char *value, pt_diag *d)
{
    const pt_param_def *def = param_def(name);
    if (!def)
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no enterprise parameter named '%s'", name);
    if (def->read_only)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                           "'%s' is read-only here; it changes with utils ctl set-cluster", def->name);
    char norm[64];
    long v;
    char *end;
    if (!strcmp(def->name, P_ROLLBACK) || !strcmp(def->name, P_AUTO_REGISTRATION)) {
        if (!strcasecmp(value, "true"))
            snprintf(norm, sizeof norm, "True");
        else if (!strcasecmp(value, "false"))
            snprintf(norm, sizeof norm, "False");
        else
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "'%s' is True or False", def->name);
        if (!strcmp(def->name, P_AUTO_REGISTRATION) && !strcmp(norm, "True")) {
            char mode[8];
            pt_cluster_param_get(c, P_SECURITY_MODE, mode, sizeof mode, NULL);
            if (strcmp(mode, "0"))
                return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                                   "auto-registration is allowed only in non-secure mode (Cluster Security Mode 0)");
        }
    } else if (!strcmp(def->name, P_CAPF_PORT) || !strcmp(def->name, P_CAPF_EXPIRES) ||
               !strcmp(def->name, P_TVS_PORT)) {
        long max = strcmp(def->name, P_CAPF_EXPIRES) ? 65535 : 365;
        v = strtol(value, &end, 10);
        if (*value == '\0' || *end || v < 1 || v > max)
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "'%s' is a number from 1 to %ld", def->name, max);
        snprintf(norm, sizeof norm, "%ld", v);
    } else { /* the cluster security password */
        if (strlen(value) < 6)
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "the security password needs at least 6 characters");
        char h[160], salt[33];
        if (hash_password(value, NULL, h, sizeof h) || pt__p12_new_salt(salt))
            return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot hash the password");
        sqlite3_stmt *st;
        int rc = pt__begin(c, d);
        if (rc)
            return rc;
        /* a new password means a new .p12 password (and a new salt): the saved
         * ITLRecovery.p12 no longer opens */
        if (sqlite3_prepare_v2(c->db,
                               "UPDATE cluster SET security_password = ?, security_password_changed = ?,"
                               " itlrecovery_backup = NULL, p12_salt = ? WHERE id = 1",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = pt__db_err(c, d, "setting the password");
        } else {
            sqlite3_bind_text(st, 1, h, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
            sqlite3_bind_text(st, 3, salt, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = pt__db_err(c, d, "setting the password");
            sqlite3_finalize(st);
        }
        pt_wipe(h, sizeof h);
        if (rc) {
            pt__rollback(c);
            return rc;
        }
        return pt__commit(c, d);
    }
    return set_param_row(c, def->name, norm, d);
}

/* ---- trust stores ---- */

static const char *const purposes[] = {
    "CallManager-trust", "CAPF-trust", "Phone-SAST-trust", "Phone-CTL-trust", "Phone-trust",
    "Phone-VPN-trust", "TVS-trust", "tomcat-trust", "ipsec-trust", "ITLRecovery-trust",
};

int pt_trust_purpose_valid(const char *purpose)
{
    for (size_t i = 0; i < sizeof purposes / sizeof purposes[0]; i++)
        if (!strcmp(purposes[i], purpose))
            return 1;
    return 0;
}

int pt_cluster_trust_import(pt_cluster *c, const char *purpose, const char *name, X509 *cert, pt_diag *d)
{
    if (!pt_trust_purpose_valid(purpose))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                           "unknown purpose %s (CallManager-trust, Phone-SAST-trust, CAPF-trust, Phone-trust, ...)",
                           purpose);
    pt_buf der;
    pt_buf_init(&der);
    int rc = pt_cert_der(cert, &der);
    if (rc) {
        pt_buf_free(&der);
        return pt_diag_set(d, rc, PT_NO_OFFSET, "cannot encode the certificate");
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO trust (purpose, name, der, added) VALUES (?, ?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK) {
        pt_buf_free(&der);
        return pt__db_err(c, d, "importing a certificate");
    }
    sqlite3_bind_text(st, 1, purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, der.data, (int)der.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
    int s = sqlite3_step(st);
    if (s == SQLITE_CONSTRAINT)
        rc = pt_diag_set(d, PT_ERR_EXISTS, PT_NO_OFFSET, "%s already holds a certificate named %s", purpose, name);
    else if (s != SQLITE_DONE)
        rc = pt__db_err(c, d, "importing a certificate");
    sqlite3_finalize(st);
    pt_buf_free(&der);
    return rc;
}

int pt_cluster_trust_delete(pt_cluster *c, const char *purpose, const char *name, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "DELETE FROM trust WHERE purpose = ? AND name = ?", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "deleting a certificate");
    sqlite3_bind_text(st, 1, purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "deleting a certificate");
    sqlite3_finalize(st);
    if (!rc && sqlite3_changes(c->db) == 0)
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s holds no certificate named %s", purpose, name);
    return rc;
}

int pt_cluster_trust_list(pt_cluster *c, pt_trust_entry **out, size_t *n, pt_diag *d)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT purpose, name, der FROM trust ORDER BY purpose, name", -1, &st, NULL) !=
        SQLITE_OK)
        return pt__db_err(c, d, "listing trust stores");
    size_t cap = 0;
    int rc = PT_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            pt_trust_entry *ne = realloc(*out, cap * sizeof *ne);
            if (!ne) {
                rc = PT_ERR_NOMEM;
                break;
            }
            *out = ne;
        }
        pt_trust_entry *e = &(*out)[*n];
        snprintf(e->purpose, sizeof e->purpose, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(e->name, sizeof e->name, "%s", (const char *)sqlite3_column_text(st, 1));
        e->cert = pt_cert_from_der(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
        if (!e->cert)
            rc = pt_diag_set(d, PT_ERR_DB, PT_NO_OFFSET, "trust store %s/%s is damaged", e->purpose, e->name);
        else
            (*n)++;
    }
    sqlite3_finalize(st);
    return rc;
}

void pt_trust_entries_free(pt_trust_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        X509_free(e[i].cert);
    free(e);
}

/* ---- the ITL (M6, M8) ---- */

typedef struct itl_parts {
    X509 **certs; /* as many as the ITL can have records */
    size_t n;
} itl_parts;

static X509 *keep(itl_parts *p, X509 *x)
{
    p->certs[p->n++] = x;
    return x;
}

int pt_cluster_build_itl(pt_cluster *c, const char *node, pt_buf *out, pt_diag *d)
{
    pt_node self, *nodes = NULL;
    size_t nn = 0;
    int rc = pt_cluster_node(c, node, &self, d);
    if (!rc)
        rc = pt_cluster_nodes(c, &nodes, &nn, d);
    if (rc)
        return rc;
    char rollback_v[16];
    pt_cluster_param_get(c, P_ROLLBACK, rollback_v, sizeof rollback_v, NULL);
    int rollback_itl = !strcmp(rollback_v, "True");

    pt_itl_record *extra = NULL;
    size_t nx = 0;
    if (!rollback_itl && (rc = pt_cluster_itl_records(c, &extra, &nx, d))) {
        free(nodes);
        return rc;
    }
    /* 3 of the node's own, then per node at most CAPF, TVS and ITLRecovery,
     * then the administrator's records */
    itl_parts parts = {calloc(3 + 3 * nn, sizeof(X509 *)), 0};
    pt_tl_entry *e = calloc(3 + 3 * nn + nx, sizeof *e);
    size_t n = 0;
    EVP_PKEY *key = NULL;
    X509 *cm = NULL, *x;
    if (!e || !parts.certs || (rc = pt_cluster_cert_key(c, node, PT_CERT_CALLMANAGER, &key, &cm, d))) {
        free(e);
        free(parts.certs);
        free(nodes);
        pt_itl_records_free(extra, nx);
        return e && parts.certs ? rc : PT_ERR_NOMEM;
    }
    keep(&parts, cm);
    uint8_t self_ip[4] = {0};
    int self_has_ip = pt__is_ipv4(self.ip, self_ip);
    pt_tl_entry base = {.dns_name = self.name, .has_ip = self_has_ip};
    memcpy(base.ip, self_ip, 4);

    /* the node's own CallManager: SAST (it signs) and TFTP (it signs configs) */
    e[n] = base, e[n].cert = cm, e[n].role = PT_ROLE_SAST, n++;
    if (!rollback_itl) {
        e[n] = base, e[n].cert = cm, e[n].role = PT_ROLE_TFTP, n++;
        if (!(rc = pt_cluster_cert(c, node, PT_CERT_CALLMANAGER_EC, &x, d)) && keep(&parts, x))
            e[n] = base, e[n].cert = x, e[n].role = PT_ROLE_TFTP, n++;
    }
    /* then, node by node (publisher first): CAPF, TVS, ITLRecovery - seeds 001 and 004 */
    for (size_t i = 0; !rc && i < nn; i++) {
        pt_tl_entry nb = {.dns_name = nodes[i].name};
        nb.has_ip = pt__is_ipv4(nodes[i].ip, nb.ip);
        if (nodes[i].publisher && (nodes[i].services & PT_SVC_CAPF) &&
            !(rc = pt_cluster_cert(c, nodes[i].name, PT_CERT_CAPF, &x, d)) && keep(&parts, x))
            e[n] = nb, e[n].cert = x, e[n].role = PT_ROLE_CAPF, e[n].hash_only = 1, n++;
        if (!rc && !rollback_itl && (nodes[i].services & PT_SVC_TVS) &&
            !(rc = pt_cluster_cert(c, nodes[i].name, PT_CERT_TVS, &x, d)) && keep(&parts, x))
            e[n] = nb, e[n].cert = x, e[n].role = PT_ROLE_TVS, e[n].hash_only = 1, n++;
        if (!rc && nodes[i].publisher && !(rc = pt_cluster_cert(c, nodes[i].name, PT_CERT_ITLRECOVERY, &x, d)) &&
            keep(&parts, x))
            e[n] = nb, e[n].cert = x, e[n].role = PT_ROLE_SAST, n++;
    }
    for (size_t i = 0; !rc && i < nx; i++)
        e[n] = (pt_tl_entry){.cert = extra[i].cert, .role = extra[i].role}, n++;
    if (!rc) {
        pt_signer s;
        rc = pt_signer_init_key(&s, key, cm, d);
        if (!rc) {
            pt_sign_opts o;
            pt__sign_opts_cucm(&o, "ITLFile.tlv");
            rc = pt_tl_build(out, &s, &o, e, n, d);
            pt_signer_free(&s);
        }
    }
    for (size_t i = 0; i < parts.n; i++)
        X509_free(parts.certs[i]);
    free(parts.certs);
    EVP_PKEY_free(key);
    free(e);
    free(nodes);
    pt_itl_records_free(extra, nx);
    return rc;
}

static int record_itl_state(pt_cluster *c, const char *node, const char *signer, const uint8_t *data, size_t len,
                            pt_diag *d)
{
    uint8_t dg[20];
    size_t n;
    char hex[41];
    pt_digest(PT_HASH_SHA1, data, len, dg, &n);
    pt_hex(dg, n, hex);
    sqlite3_stmt *st;
    /* built_seq: the last certificate change it includes (guard.c) */
    if (sqlite3_prepare_v2(c->db,
                           "INSERT OR REPLACE INTO itl_state (node, signer, sha1, built, built_seq)"
                           " VALUES (?, ?, ?, ?, (SELECT change_seq FROM cluster))",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "recording the ITL");
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, signer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "recording the ITL");
    sqlite3_finalize(st);
    return rc;
}

static int install_itl_file(pt_cluster *c, const char *node, const uint8_t *data, size_t len, pt_diag *d)
{
    return pt__served_write(c, node, "ITLFile.tlv", data, len, d);
}

static int install_itl(pt_cluster *c, const char *node, const char *signer, const uint8_t *data, size_t len,
                       pt_diag *d)
{
    int rc = install_itl_file(c, node, data, len, d);
    return rc ? rc : record_itl_state(c, node, signer, data, len, d);
}

int pt_cluster_tftp_restart(pt_cluster *c, const char *node, pt_diag *d)
{
    pt_node n;
    int rc = pt_cluster_node(c, node, &n, d);
    if (rc)
        return rc;
    if (!(n.services & PT_SVC_TFTP))
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET, "Cisco Tftp is not activated on node %s", node);
    /* the ITL and every configuration signed anew, put in force at once
     * (generation.c); what an earlier crash left is swept on the way */
    int lock;
    if ((rc = pt__gen_lock(c, node, &lock, d)))
        return rc;
    rc = pt__gen_begin(c, node, d);
    pt_buf itl;
    pt_buf_init(&itl);
    if (!rc)
        rc = pt_cluster_build_itl(c, node, &itl, d);
    if (!rc)
        rc = install_itl_file(c, node, itl.data, itl.len, d);
    int deferred = c->defer_sync;
    c->defer_sync = 1; /* one flush for the whole generation, in commit */
    if (!rc)
        rc = pt_cluster_write_config_files(c, node, NULL, d);
    c->defer_sync = deferred;
    if (!rc)
        rc = pt__gen_commit(c, d);
    else
        pt__gen_abort(c);
    pt__gen_unlock(lock);
    if (!rc)
        rc = record_itl_state(c, node, PT_CERT_CALLMANAGER, itl.data, itl.len, d);
    pt_buf_free(&itl);
    return rc;
}

int pt_cluster_itl_signer(pt_cluster *c, const char *node, char *out, size_t n)
{
    sqlite3_stmt *st;
    snprintf(out, n, "none");
    if (sqlite3_prepare_v2(c->db, "SELECT signer FROM itl_state WHERE node = ?", -1, &st, NULL) != SQLITE_OK)
        return PT_ERR_DB;
    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return PT_OK;
}

int pt_cluster_itl_reset(pt_cluster *c, const pt_signer *signer,
                         void (*progress)(const char *line, void *arg), void *arg, pt_diag *d)
{
    pt_node pub, *nodes = NULL;
    size_t nn = 0;
    int rc = pt_cluster_publisher(c, &pub, d);
    if (!rc)
        rc = pt_cluster_nodes(c, &nodes, &nn, d);
    if (rc)
        return rc;
    char line[1024];
    progress("\nLocating active Tftp servers in the cluster.....\n", arg);
    progress("\nFollowing is the list of Active tftp servers in the cluster\n\n", arg);
    size_t len = 0;
    line[len++] = '[';
    int first = 1;
    for (size_t i = 0; i < nn; i++) {
        if (!(nodes[i].services & PT_SVC_TFTP))
            continue;
        len += (size_t)snprintf(line + len, sizeof line - len, "%s'%s'", first ? "" : ", ", nodes[i].name);
        first = 0;
        if (len >= sizeof line - 4)
            break;
    }
    snprintf(line + len, sizeof line - len, "]\n");
    progress(line, arg);

    /* the publisher's current ITL (built if it has never been) */
    char dir[PATH_MAX], path[PATH_MAX + 32];
    pt_cluster_tftp_dir(c, pub.name, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/ITLFile.tlv", dir);
    uint8_t *cur = NULL;
    size_t cur_len = 0;
    pt_buf built;
    pt_buf_init(&built);
    if (pt_file_read(path, &cur, &cur_len, PT_FILE_MAX, NULL) != PT_OK) {
        rc = pt_cluster_build_itl(c, pub.name, &built, d);
        if (rc) {
            free(nodes);
            return rc;
        }
    }
    const uint8_t *data = cur ? cur : built.data;
    size_t data_len = cur ? cur_len : built.len;
    pt_trustlist tl;
    pt_buf reset;
    pt_buf_init(&reset);
    rc = pt_tl_parse(data, data_len, &tl, d);
    if (rc) {
        pt_diag_prefix(d, rc, "the publisher's current ITL");
    } else {
        pt_sign_opts o;
        pt_sign_opts_init(&o);
        o.layout = PT_LAYOUT_LEGACY;
        o.hash = tl.hdr.hash;
        o.signer_version = tl.hdr.has_signer_version
                               ? (tl.hdr.signer_version[0] << 8) | tl.hdr.signer_version[1]
                               : PT_SIGNER_VERSION_NONE;
        o.filename = "ITLFile.tlv";
        rc = pt_tl_resign(&reset, signer, &o, &tl, d);
        pt_tl_free(&tl);
    }
    if (!rc) {
        progress("The reset ITL file was generated successfully\n\n\n", arg);
        progress("Transferring new reset ITL file to the TFTP server nodes in the cluster.........\n\n", arg);
        for (size_t i = 0; !rc && i < nn; i++) {
            if (!(nodes[i].services & PT_SVC_TFTP))
                continue;
            rc = install_itl(c, nodes[i].name, PT_CERT_ITLRECOVERY, reset.data, reset.len, d);
            if (rc)
                break;
            if (!nodes[i].publisher) {
                snprintf(line, sizeof line, "Successfully transferred reset ITL to node %s\n\n", nodes[i].name);
                progress(line, arg);
            }
            snprintf(line, sizeof line, "Restarting Cisco Tftp service on host %s\n", nodes[i].name);
            progress(line, arg);
            snprintf(line, sizeof line, "Cisco Tftp service restarted on host %s\n", nodes[i].name);
            progress(line, arg);
        }
    }
    pt_buf_free(&reset);
    pt_buf_free(&built);
    free(cur);
    free(nodes);
    return rc;
}

/* ---- the cluster log ---- */

void pt_cluster_log(pt_cluster *c, const char *fmt, ...)
{
    char path[PATH_MAX], dir[PATH_MAX];
    if (pt_path_join(dir, sizeof dir, c->home, "log") || pt_path_join(path, sizeof path, dir, "phonetrust.log"))
        return;
    mkdir(dir, 0750);
    time_t now = time(NULL);
    struct tm tm;
    char when[40];
    localtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    va_list ap;
    va_start(ap, fmt);
    pt_file_append_line(path, when, fmt, ap);
    va_end(ap);
}

int pt_cluster_log_daily_alerts(pt_cluster *c, time_t now)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT itlrecovery_backup IS NULL, alert_logged FROM cluster WHERE id = 1", -1,
                           &st, NULL) != SQLITE_OK)
        return PT_ERR_DB;
    int due = 0;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0)) {
        time_t last = (time_t)sqlite3_column_int64(st, 1);
        due = sqlite3_column_type(st, 1) == SQLITE_NULL || now - last >= 86400;
    }
    sqlite3_finalize(st);
    if (!due)
        return PT_OK;
    /* claim the day in the database first, so concurrent commands log it once */
    if (sqlite3_prepare_v2(c->db,
                           "UPDATE cluster SET alert_logged = ?1 WHERE id = 1 AND"
                           " (alert_logged IS NULL OR ?1 - alert_logged >= 86400)",
                           -1, &st, NULL) != SQLITE_OK)
        return PT_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
    int claimed = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(c->db) == 1;
    sqlite3_finalize(st);
    if (claimed)
        pt_cluster_log(c, "ALERT ITLRecoveryCertNotBackedUp: the ITL recovery key has not been backed up; "
                          "run 'file get tftp ITLRecovery.p12'");
    return PT_OK;
}

long long pt_cluster_data_version(pt_cluster *c)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (pt__prepare(c, "PRAGMA data_version", &st) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        pt__done(c, st);
    }
    return v;
}
