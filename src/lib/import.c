/*
 * import.c - `utils import usecallmanager`: an installation of the
 * usecallmanagernz tools (certutils' tlvfile/sgnfile, daemons' tvsd and
 * capfd) brought into the cluster without locking a phone.
 *
 *  - the SAST key and certificate that signed the ITL the phones hold
 *    become the publisher's CallManager key and certificate: every ITL the
 *    publisher serves is then signed by a SAST the phones already hold
 *    (tlvfile's note: once installed, a .tlv is replaced only by one a
 *    known SAST signed), and it signs the configurations too;
 *  - the certificate that signed their configurations (Asterisk's, also its
 *    SIP-TLS certificate) stays in every ITL as CCM;
 *  - tvsctl's database (certificates, roles, TTLs) becomes TVS entries;
 *  - capfctl's database (devices, operations, issued LSCs) becomes devices,
 *    their LSCs and their scheduled operations;
 *  - capfd's certificate and key become the publisher's CAPF, and it and
 *    the SAST go into CAPF-trust, so the LSCs they issued authenticate.
 *
 * Everything is read and checked before anything changes.  Each step is
 * whole; an import stopped half-way is completed by running it again (the
 * steps done already find their work there), and nothing reaches a phone
 * before the TFTP restart that ends it.  The reference schemas (facts from
 * the daemons' source): tvs.sqlite3 certificates(certificate_hash,
 * serial_number, subject_name, issuer_name, certificate PEM, roles
 * "SAST,CCM,...", ttl); capf.sqlite3 devices(device_name, operation,
 * authentication 'password'|'no password'|'certificate', password,
 * key_size, curve_name, certificate PEM, serial_number, not_valid_before,
 * not_valid_after).
 */
#include "cluster_internal.h"

#include "phonetrust/certcache.h"
#include "phonetrust/constants.h"
#include "phonetrust/trustlist.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROWS 100000

typedef struct tvs_row {
    X509 *cert;
    uint8_t roles[8];
    size_t n_roles;
    uint32_t ttl;
} tvs_row;

typedef struct capf_row {
    char device[16];
    X509 *lsc;
    pt_capf_op op; /* op "" when none is to be scheduled */
    char warning[200];
} capf_row;

typedef struct plan {
    EVP_PKEY *sast_key, *capf_key;
    X509 *sast, *tftp, *capf;
    tvs_row *tvs;
    size_t n_tvs;
    capf_row *capf_rows;
    size_t n_capf;
} plan;

static void plan_free(plan *p)
{
    EVP_PKEY_free(p->sast_key);
    EVP_PKEY_free(p->capf_key);
    X509_free(p->sast);
    X509_free(p->tftp);
    X509_free(p->capf);
    for (size_t i = 0; i < p->n_tvs; i++)
        X509_free(p->tvs[i].cert);
    free(p->tvs);
    for (size_t i = 0; i < p->n_capf; i++)
        X509_free(p->capf_rows[i].lsc);
    free(p->capf_rows);
}

/* rows (n of size each) grown by one zeroed row, at most MAX_ROWS of
 * them; NULL with *rc set (what names the rows of path), rows untouched. */
static void *add_row(void *rows, size_t n, size_t size, const char *path, const char *what, int *rc, pt_diag *d)
{
    if (n == MAX_ROWS) {
        *rc = pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET, "%s: more than %d %s", path, MAX_ROWS, what);
        return NULL;
    }
    uint8_t *g = realloc(rows, (n + 1) * size);
    if (!g) {
        *rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
        return NULL;
    }
    memset(g + n * size, 0, size);
    return g;
}

static X509 *pem_cert(const unsigned char *pem, int len)
{
    if (!pem || len <= 0)
        return NULL;
    BIO *b = BIO_new_mem_buf(pem, len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

static int open_ro(const char *path, sqlite3 **db, pt_diag *d)
{
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        int rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s: %s", path,
                             *db ? sqlite3_errmsg(*db) : "cannot open");
        sqlite3_close(*db);
        *db = NULL;
        return rc;
    }
    return PT_OK;
}

static int read_tvs_db(const char *path, plan *p, pt_diag *d)
{
    sqlite3 *db;
    int rc = open_ro(path, &db, d);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT certificate_hash, certificate, roles, ttl FROM certificates", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: not a tvsctl database (%s)", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return rc;
    }
    int s;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(st, 0);
        tvs_row *g = add_row(p->tvs, p->n_tvs, sizeof *g, path, "certificates", &rc, d);
        if (!g)
            break;
        p->tvs = g;
        tvs_row *r = &g[p->n_tvs];
        r->cert = pem_cert(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1));
        if (!r->cert) {
            rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: certificate %s: not a PEM certificate", path,
                             hash ? hash : "(no hash)");
            break;
        }
        p->n_tvs++;
        char roles[128];
        snprintf(roles, sizeof roles, "%s", sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
        char *save = NULL;
        for (char *t = strtok_r(roles, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
            int role = pt_role_from_name(t);
            if (role < 0 || r->n_roles == sizeof r->roles)
                rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: certificate %s: unknown role %s", path,
                                 hash ? hash : "", t);
            else
                r->roles[r->n_roles++] = (uint8_t)role;
        }
        if (!rc && !r->n_roles)
            rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: certificate %s has no role", path, hash ? hash : "");
        sqlite3_int64 ttl = sqlite3_column_type(st, 3) == SQLITE_NULL ? 86400 : sqlite3_column_int64(st, 3);
        if (!rc && (ttl < 1 || ttl > 2592000))
            rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: certificate %s: TTL %lld is not 1 to 2592000 seconds",
                             path, hash ? hash : "", (long long)ttl);
        r->ttl = (uint32_t)ttl;
    }
    if (!rc && s != SQLITE_DONE)
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* capfctl's operation row -> ours; a warning (and nothing scheduled) for
 * what phonetrust does not take */
static void capf_operation(sqlite3_stmt *st, capf_row *r)
{
    const char *op = (const char *)sqlite3_column_text(st, 1);
    const char *auth = (const char *)sqlite3_column_text(st, 2);
    const char *pw = (const char *)sqlite3_column_text(st, 3);
    const char *curve = (const char *)sqlite3_column_text(st, 5);
    int bits = sqlite3_column_int(st, 4);
    if (!op || !strcmp(op, "none"))
        return;
    if (strcmp(op, "install") && strcmp(op, "fetch") && strcmp(op, "delete")) {
        snprintf(r->warning, sizeof r->warning, "unknown operation '%s': nothing scheduled", op);
        return;
    }
    pt_capf_op *o = &r->op;
    snprintf(o->op, sizeof o->op, "%s", op);
    if (auth && !strcmp(auth, "password")) {
        size_t n = pw ? strlen(pw) : 0;
        if (n < 4 || n > 10 || strspn(pw, "0123456789") != n) {
            snprintf(r->warning, sizeof r->warning,
                     "%s by authentication string: the string is not 4 to 10 digits, nothing scheduled "
                     "(schedule it again with device capf)",
                     op);
            o->op[0] = '\0';
            return;
        }
        snprintf(o->auth, sizeof o->auth, "auth-string");
        snprintf(o->password, sizeof o->password, "%s", pw);
    } else if (auth && !strcmp(auth, "certificate")) {
        snprintf(o->auth, sizeof o->auth, "lsc-or-mic");
    } else {
        snprintf(o->auth, sizeof o->auth, "null-string");
    }
    if (curve && *curve) {
        const char *k = !strcmp(curve, "secp256r1") ? "ec256"
                        : !strcmp(curve, "secp384r1") ? "ec384"
                        : !strcmp(curve, "secp521r1") ? "ec521"
                                                       : NULL;
        if (!k) {
            snprintf(r->warning, sizeof r->warning, "curve %s: nothing scheduled", curve);
            o->op[0] = '\0';
            return;
        }
        snprintf(o->key, sizeof o->key, "%s", k);
    } else if (bits) {
        if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096) {
            snprintf(r->warning, sizeof r->warning, "RSA %d: phonetrust issues 1024 to 4096 bits, nothing scheduled",
                     bits);
            o->op[0] = '\0';
            return;
        }
        snprintf(o->key, sizeof o->key, "rsa%d", bits);
    }
}

static int read_capf_db(const char *path, plan *p, pt_diag *d)
{
    sqlite3 *db;
    int rc = open_ro(path, &db, d);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT device_name, operation, authentication, password, key_size, curve_name, certificate"
                           " FROM devices ORDER BY device_name",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: not a capfctl database (%s)", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return rc;
    }
    int s;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        capf_row *g = add_row(p->capf_rows, p->n_capf, sizeof *g, path, "devices", &rc, d);
        if (!g)
            break;
        p->capf_rows = g;
        capf_row *r = &g[p->n_capf];
        if (!name || !pt_device_name_valid(name, r->device)) {
            rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: device '%s' is not SEP followed by 12 hex digits",
                             path, name ? name : "");
            break;
        }
        p->n_capf++;
        if (sqlite3_column_type(st, 6) != SQLITE_NULL &&
            !(r->lsc = pem_cert(sqlite3_column_blob(st, 6), sqlite3_column_bytes(st, 6)))) {
            rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: device %s: its certificate is not PEM", path,
                             r->device);
            break;
        }
        capf_operation(st, r);
    }
    if (!rc && s != SQLITE_DONE)
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int read_plan(const pt_import_ucm *in, plan *p, pt_diag *d)
{
    int rc = pt_pem_load(in->sast, &p->sast_key, &p->sast, d);
    if (!rc && !p->sast_key)
        rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "%s: no private key: the SAST's key is needed to sign the ITL",
                         in->sast);
    if (!rc && (EVP_PKEY_get_base_id(p->sast_key) != EVP_PKEY_RSA || X509_check_private_key(p->sast, p->sast_key) != 1))
        rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                         "%s: the SAST must be an RSA key and its certificate (a trust list is signed with RSA)",
                         in->sast);
    if (!rc && in->tftp)
        rc = pt_pem_load(in->tftp, NULL, &p->tftp, d);
    if (!rc && in->capf) {
        rc = pt_pem_load(in->capf, &p->capf_key, &p->capf, d);
        if (!rc && (!p->capf_key || X509_check_private_key(p->capf, p->capf_key) != 1))
            rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "%s: needs capfd's private key and its certificate",
                             in->capf);
    }
    if (!rc && in->tvs_db)
        rc = read_tvs_db(in->tvs_db, p, d);
    if (!rc && in->capf_db)
        rc = read_capf_db(in->capf_db, p, d);
    return rc;
}

/* into CAPF-trust unless it is there already (under any name) */
static int capf_trust(pt_cluster *c, const char *name, X509 *cert, pt_diag *d)
{
    pt_trust_entry *e;
    size_t n;
    int rc = pt_cluster_trust_list(c, &e, &n, d);
    int have = 0;
    for (size_t i = 0; !rc && i < n && !have; i++)
        have = !strcmp(e[i].purpose, "CAPF-trust") && X509_cmp(e[i].cert, cert) == 0;
    if (!rc)
        pt_trust_entries_free(e, n);
    return rc || have ? rc : pt_cluster_trust_import(c, "CAPF-trust", name, cert, d);
}

/* an ITL record (name, role) unless it is there with the same certificate */
static int itl_record(pt_cluster *c, const char *name, int role, X509 *cert, pt_diag *d)
{
    pt_itl_record *r;
    size_t n;
    int rc = pt_cluster_itl_records(c, &r, &n, d);
    int have = 0;
    for (size_t i = 0; !rc && i < n && !have; i++)
        have = r[i].role == role && X509_cmp(r[i].cert, cert) == 0;
    if (!rc)
        pt_itl_records_free(r, n);
    return rc || have ? rc : pt_cluster_itl_record_add(c, name, role, cert, d);
}

static int same_cert(pt_cluster *c, const char *node, const char *name, X509 *cert)
{
    X509 *have = NULL;
    int same = pt_cluster_cert(c, node, name, &have, NULL) == PT_OK && X509_cmp(have, cert) == 0;
    X509_free(have);
    return same;
}

int pt_cluster_import_usecallmanager(pt_cluster *c, const pt_import_ucm *in, pt_import_report *r, pt_diag *d)
{
    memset(r, 0, sizeof *r);
    if (!in->sast)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--sast PEM is needed: the key that signed the phones' ITL");
    const char *model = in->model ? in->model : "8845";
    int sbd;
    if (!pt_model_known(model, &sbd))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown model %s (%s)", model, pt_models_list());
    pt_node pub;
    int rc = pt_cluster_publisher(c, &pub, d);
    if (rc)
        return rc;
    plan p = {0};
    if ((rc = read_plan(in, &p, d))) {
        plan_free(&p);
        return rc;
    }
    /* TVS: certificates with their roles and TTLs */
    for (size_t i = 0; !rc && i < p.n_tvs; i++)
        if (!(rc = pt_cluster_tvs_add(c, p.tvs[i].cert, p.tvs[i].roles, p.tvs[i].n_roles, p.tvs[i].ttl, d)))
            r->tvs_certs++;
    /* CAPF: devices, their LSCs, their operations */
    for (size_t i = 0; !rc && i < p.n_capf; i++) {
        capf_row *row = &p.capf_rows[i];
        pt_device dev;
        if (pt_cluster_device(c, row->device, &dev, NULL) != PT_OK) {
            if (!(rc = pt_cluster_device_add(c, row->device, model, NULL, NULL, d)))
                r->devices_added++;
        }
        r->devices += !rc;
        if (!rc && row->lsc && !(rc = pt_cluster_device_set_cert(c, row->device, "lsc", row->lsc, d)))
            r->lscs++;
        if (!rc && row->op.op[0] && !(rc = pt_cluster_capf_set(c, row->device, &row->op, d)))
            r->operations++;
        if (!rc && row->warning[0] && r->n_warnings < PT_IMPORT_WARNINGS)
            snprintf(r->warnings[r->n_warnings++], sizeof r->warnings[0], "%s: %s: %s", in->capf_db, row->device,
                     row->warning);
        if (rc)
            pt_diag_prefix(d, rc, "%s: device %s", in->capf_db, row->device);
    }
    /* the old CA and CAPF vouch for the LSCs they issued; Asterisk's
     * certificate stays in the ITL for SIP-TLS */
    if (!rc)
        rc = capf_trust(c, "usecallmanager-sast", p.sast, d);
    if (!rc && p.capf)
        rc = capf_trust(c, "usecallmanager-capf", p.capf, d);
    if (!rc && p.tftp)
        rc = itl_record(c, "usecallmanager-tftp", PT_ROLE_CCM, p.tftp, d);
    /* last, the keys: the publisher signs with the SAST the phones hold */
    time_t now = time(NULL);
    if (!rc && p.capf && !same_cert(c, pub.name, PT_CERT_CAPF, p.capf))
        rc = pt__replace_cert(c, pub.name, PT_CERT_CAPF, p.capf_key, p.capf, now, d);
    if (!rc && !same_cert(c, pub.name, PT_CERT_CALLMANAGER, p.sast))
        rc = pt__replace_cert(c, pub.name, PT_CERT_CALLMANAGER, p.sast_key, p.sast, now, d);
    /* and serves it: the ITL signed by that SAST, configurations signed by it */
    if (!rc)
        rc = pt_cluster_tftp_restart(c, pub.name, d);
    plan_free(&p);
    return rc;
}
