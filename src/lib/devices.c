/*
 * devices.c - phones known to the cluster (M5): device pools with their
 * CallManager groups, security profiles, and the configuration files each
 * TFTP node serves them (M11), signed or encrypted.
 */
#include "cluster_internal.h"
#include "phonetrust/progress.h"

#include "phonetrust/enccnf.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sgn.h"
#include "phonetrust/trustlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

/* ---- names and models ---- */

int pt_device_name_valid(const char *name, char out[16])
{
    if (strlen(name) != 15 || strncasecmp(name, "SEP", 3))
        return 0;
    for (int i = 3; i < 15; i++)
        if (!isxdigit((unsigned char)name[i]))
            return 0;
    out[0] = 'S', out[1] = 'E', out[2] = 'P';
    for (int i = 3; i < 15; i++)
        out[i] = (char)toupper((unsigned char)name[i]);
    out[15] = '\0';
    return 1;
}

static const struct { const char *model; int sbd; } models[] = {
    {"7940", 0}, {"7960", 0}, {"7935", 0}, {"7936", 0}, {"7937", 0},
    {"7906", 1}, {"7911", 1}, {"7941", 1}, {"7942", 1}, {"7945", 1}, {"7961", 1}, {"7962", 1},
    {"7965", 1}, {"7970", 1}, {"7971", 1}, {"7975", 1}, {"7811", 1}, {"7821", 1}, {"7841", 1},
    {"7861", 1}, {"7832", 1}, {"8811", 1}, {"8832", 1}, {"8841", 1}, {"8845", 1}, {"8851", 1},
    {"8861", 1}, {"8865", 1}, {"8961", 1}, {"9951", 1}, {"9971", 1},
};

int pt_model_known(const char *model, int *sbd)
{
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (!strcmp(models[i].model, model)) {
            if (sbd)
                *sbd = models[i].sbd;
            return 1;
        }
    return 0;
}

const char *pt_models_list(void)
{
    return "7940 7960 7935 7936 7937 (no Security By Default); 7906 7911 7941 7942 7945 7961 7962 7965 7970 "
           "7971 7975 7811 7821 7841 7861 7832 8811 8832 8841 8845 8851 8861 8865 8961 9951 9971";
}

size_t pt_models_split(const char *list, char *buf, size_t bufn, const char **out, size_t max, const char **bad)
{
    *bad = "";
    snprintf(buf, bufn, "%s", list ? list : "");
    size_t n = 0;
    char *sp = NULL;
    for (char *m = strtok_r(buf, ",", &sp); m; m = strtok_r(NULL, ",", &sp)) {
        if (!pt_model_known(m, NULL)) {
            *bad = m;
            return 0;
        }
        if (n < max)
            out[n++] = m;
    }
    return n;
}

/* ---- pools and profiles ---- */

int pt_cluster_pool_set(pt_cluster *c, const char *name, const char *group_csv, pt_diag *d)
{
    /* every member must be a CallManager node */
    char buf[512];
    snprintf(buf, sizeof buf, "%s", group_csv);
    char *save = NULL;
    int count = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), count++) {
        pt_node n;
        int rc = pt_cluster_node(c, t, &n, d);
        if (rc)
            return rc;
        if (!(n.services & PT_SVC_CALLMANAGER))
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "node %s does not run Cisco CallManager", t);
    }
    if (count == 0 || count > 3)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "a CallManager group has 1 to 3 nodes, in order");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO pools (name, cm_group) VALUES (?, ?)", -1, &st, NULL) !=
        SQLITE_OK)
        return pt__db_err(c, d, "saving a device pool");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, group_csv, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "saving a device pool");
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_pool_group(pt_cluster *c, const char *name, char *group_csv, size_t n, pt_diag *d)
{
    sqlite3_stmt *st;
    if (pt__prepare(c, "SELECT cm_group FROM pools WHERE name = ?", &st) != SQLITE_OK)
        return pt__db_err(c, d, "reading device pools");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = PT_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(group_csv, n, "%s", (const char *)sqlite3_column_text(st, 0));
    else
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no device pool named %s", name);
    pt__done(c, st);
    return rc;
}

static int capf_auth_valid(const char *a)
{
    return !strcmp(a, "null-string") || !strcmp(a, "auth-string") || !strcmp(a, "lsc") || !strcmp(a, "mic") ||
           !strcmp(a, "lsc-or-mic");
}

int pt_cluster_profile_set(pt_cluster *c, const pt_secprofile *p, pt_diag *d)
{
    if (p->mode < PT_MODE_NON_SECURE || p->mode > PT_MODE_ENCRYPTED)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "mode is non-secure, authenticated or encrypted");
    if (!capf_auth_valid(p->capf_auth))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                           "CAPF authentication mode is null-string, auth-string, lsc, mic or lsc-or-mic");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "saving a security profile");
    sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, p->mode);
    sqlite3_bind_int(st, 3, p->encrypted_config);
    sqlite3_bind_text(st, 4, p->capf_auth, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "saving a security profile");
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_profile(pt_cluster *c, const char *name, pt_secprofile *out, pt_diag *d)
{
    sqlite3_stmt *st;
    if (pt__prepare(c, "SELECT name, mode, encrypted_config, capf_auth FROM profiles WHERE name = ?", &st) != SQLITE_OK)
        return pt__db_err(c, d, "reading security profiles");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = PT_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(st, 0));
        out->mode = sqlite3_column_int(st, 1);
        out->encrypted_config = sqlite3_column_int(st, 2);
        snprintf(out->capf_auth, sizeof out->capf_auth, "%s", (const char *)sqlite3_column_text(st, 3));
    } else {
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no security profile named %s", name);
    }
    pt__done(c, st);
    return rc;
}

/* ---- devices ---- */

#define DEVICE_COLS                                                                                          \
    "name, model, pool, profile, lsc IS NOT NULL, mic IS NOT NULL, settings_access, web_access, ssh_access, " \
    "span_to_pc, directory_url, services_url, authentication_url, locale, itl_sha1, ctl_sha1, reported_tftp, " \
    "reported"

static void text(char *dst, size_t n, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static void device_from_row(sqlite3_stmt *st, pt_device *v)
{
    memset(v, 0, sizeof *v);
    text(v->name, sizeof v->name, st, 0);
    text(v->model, sizeof v->model, st, 1);
    text(v->pool, sizeof v->pool, st, 2);
    text(v->profile, sizeof v->profile, st, 3);
    v->has_lsc = sqlite3_column_int(st, 4);
    v->has_mic = sqlite3_column_int(st, 5);
    v->settings_access = sqlite3_column_int(st, 6);
    v->web_access = sqlite3_column_int(st, 7);
    v->ssh_access = sqlite3_column_int(st, 8);
    v->span_to_pc = sqlite3_column_int(st, 9);
    text(v->directory_url, sizeof v->directory_url, st, 10);
    text(v->services_url, sizeof v->services_url, st, 11);
    text(v->authentication_url, sizeof v->authentication_url, st, 12);
    text(v->locale, sizeof v->locale, st, 13);
    text(v->itl_sha1, sizeof v->itl_sha1, st, 14);
    text(v->ctl_sha1, sizeof v->ctl_sha1, st, 15);
    text(v->reported_tftp, sizeof v->reported_tftp, st, 16);
    v->reported = (time_t)sqlite3_column_int64(st, 17);
}

int pt_cluster_device(pt_cluster *c, const char *name, pt_device *out, pt_diag *d)
{
    char canon[16];
    if (!pt_device_name_valid(name, canon))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is not a device name (SEP and 12 hex digits)", name);
    sqlite3_stmt *st;
    if (pt__prepare(c, "SELECT " DEVICE_COLS " FROM devices WHERE name = ?", &st) != SQLITE_OK)
        return pt__db_err(c, d, "reading devices");
    sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
    int rc = PT_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        device_from_row(st, out);
    else
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no device %s", canon);
    pt__done(c, st);
    return rc;
}

int pt_cluster_devices(pt_cluster *c, pt_device **out, size_t *n, pt_diag *d)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT " DEVICE_COLS " FROM devices ORDER BY name", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "listing devices");
    size_t cap = 0;
    int rc = PT_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            pt_device *nd = realloc(*out, cap * sizeof *nd);
            if (!nd) {
                rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
                break;
            }
            *out = nd;
        }
        device_from_row(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The devices whose configuration files write_configs writes: from..to
 * (inclusive; from NULL: every device, and the auto-registration
 * defaults), or the n named in list. */
typedef struct devset {
    const char *from, *to;
    const char *const *list;
    size_t n;
} devset;
static int write_configs(pt_cluster *c, const char *node, const devset *set, pt_diag *d);

/* write_configs on every TFTP node. */
static int write_configs_everywhere(pt_cluster *c, const devset *set, pt_diag *d)
{
    pt_node *nodes = NULL;
    size_t nn = 0;
    int rc = pt_cluster_nodes(c, &nodes, &nn, d);
    for (size_t i = 0; !rc && i < nn; i++)
        if (nodes[i].services & PT_SVC_TFTP)
            rc = write_configs(c, nodes[i].name, set, d); /* one signer, one pass, per node */
    free(nodes);
    return rc;
}

/* Rewrites name's files on every TFTP node (or removes them). */
static int refresh_device_files(pt_cluster *c, const char *name, pt_diag *d)
{
    char canon[16];
    if (!pt_device_name_valid(name, canon))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is not a device name (SEP and 12 hex digits)", name);
    return write_configs_everywhere(c, &(devset){canon, canon, NULL, 0}, d);
}

/* One device's row, inside the caller's transaction.  A device already
 * there just as asked (model, pool, profile) is no error: a command that
 * was interrupted after its rows were committed, run again, completes
 * (its files are written then). */
static int device_insert(pt_cluster *c, const char *canon, const char *model, const char *pool, const char *profile,
                         pt_diag *d)
{
    pt_device existing;
    if (pt_cluster_device(c, canon, &existing, NULL) == PT_OK) {
        if (!strcmp(existing.model, model) && !strcmp(existing.pool, pool) && !strcmp(existing.profile, profile))
            return PT_OK;
        return pt_diag_set(d, PT_ERR_EXISTS, PT_NO_OFFSET, "device %s already exists (Cisco %s, %s, %s)", canon,
                           existing.model, existing.pool, existing.profile);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO devices (name, model, pool, profile) VALUES (?, ?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return pt__db_err(c, d, "adding a device");
    sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, pool, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, profile, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "adding a device");
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_device_add(pt_cluster *c, const char *name, const char *model, const char *pool,
                          const char *profile, pt_diag *d)
{
    if (model && strchr(model, ','))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown model %s (known: %s)", model, pt_models_list());
    return pt_cluster_device_add_range(c, name, 1, model, pool, profile, d);
}

int pt_cluster_device_add_range(pt_cluster *c, const char *first, size_t count, const char *model_list, const char *pool,
                                const char *profile, pt_diag *d)
{
    char canon[16], group[256], list[128];
    pt_secprofile prof;
    if (!pt_device_name_valid(first, canon))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is not a device name (SEP and 12 hex digits)", first);
    unsigned long long mac = strtoull(canon + 3, NULL, 16);
    if (!count || count > 0xFFFFFFFFFFFFull - mac + 1)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%zu devices from %s: past FFFFFFFFFFFF", count, canon);
    const char *model[16], *bad;
    size_t n_models = pt_models_split(model_list, list, sizeof list, model, 16, &bad);
    if (!n_models)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown model %s (known: %s)", *bad ? bad : "(none)",
                           pt_models_list());
    pool = pool ? pool : "Default";
    profile = profile ? profile : "Standard Non-Secure";
    int rc = pt_cluster_pool_group(c, pool, group, sizeof group, d);
    if (!rc)
        rc = pt_cluster_profile(c, profile, &prof, d);
    if (!rc)
        rc = pt__begin(c, d);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < count; i++) {
        snprintf(canon, sizeof canon, "SEP%012llX", mac + i);
        rc = device_insert(c, canon, model[i % n_models], pool, profile, d);
        pt_progress("devices", i + 1, count);
    }
    if (rc) {
        pt__rollback(c);
        return rc;
    }
    if ((rc = pt__commit(c, d)))
        return rc;
    /* the rows are in: the files follow (flushed once at the end); if this
     * is interrupted, the same command again, or a TFTP restart, writes them */
    char last[16];
    snprintf(canon, sizeof canon, "SEP%012llX", mac);
    snprintf(last, sizeof last, "SEP%012llX", mac + count - 1);
    c->defer_sync = count > 1;
    rc = write_configs_everywhere(c, &(devset){canon, last, NULL, 0}, d);
    c->defer_sync = 0;
    if (!rc && count > 1)
        rc = pt_sync_fs(c->home, d); /* the TFTP directories are under the home */
    return rc;
}

static void remove_device_files(pt_cluster *c, const char *node, const char *name)
{
    static const char *const suffixes[] = {".cnf.xml", ".cnf.xml.sgn", ".cnf.xml.enc.sgn"};
    for (int i = 0; i < 3; i++) {
        char file[64];
        int found;
        snprintf(file, sizeof file, "%s%s", name, suffixes[i]);
        /* under the node's lock: a generation being built would carry the file on */
        pt__served_unlink(c, node, file, &found, NULL);
    }
}

int pt_cluster_device_remove(pt_cluster *c, const char *name, pt_diag *d)
{
    pt_device dev;
    int rc = pt_cluster_device(c, name, &dev, d);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "DELETE FROM devices WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "removing a device");
    sqlite3_bind_text(st, 1, dev.name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "removing a device");
    sqlite3_finalize(st);
    pt_node *nodes;
    size_t nn;
    if (!rc && !pt_cluster_nodes(c, &nodes, &nn, NULL)) {
        for (size_t i = 0; i < nn; i++)
            remove_device_files(c, nodes[i].name, dev.name);
        free(nodes);
    }
    return rc;
}

static int on_off(const char *v)
{
    if (!strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "enabled"))
        return 1;
    if (!strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "disabled"))
        return 0;
    return -1;
}

int pt_cluster_device_set(pt_cluster *c, const char *name, const char *key, const char *value, pt_diag *d)
{
    static const struct { const char *key, *col; int boolean; } keys[] = {
        {"settings-access", "settings_access", 1}, {"web-access", "web_access", 1},
        {"ssh-access", "ssh_access", 1},           {"span-to-pc", "span_to_pc", 1},
        {"directory-url", "directory_url", 0},     {"services-url", "services_url", 0},
        {"authentication-url", "authentication_url", 0}, {"locale", "locale", 0},
        {"pool", "pool", 0},                       {"profile", "profile", 0},
    };
    pt_device dev;
    int rc = pt_cluster_device(c, name, &dev, d);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(keys[i].key, key))
            continue;
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE devices SET %s = ? WHERE name = ?", keys[i].col);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
            return pt__db_err(c, d, "changing a device");
        if (keys[i].boolean) {
            int b = on_off(value);
            if (b < 0) {
                sqlite3_finalize(st);
                return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is on or off", key);
            }
            sqlite3_bind_int(st, 1, b);
        } else {
            char group[256];
            pt_secprofile p;
            if ((!strcmp(key, "pool") && (rc = pt_cluster_pool_group(c, value, group, sizeof group, d))) ||
                (!strcmp(key, "profile") && (rc = pt_cluster_profile(c, value, &p, d)))) {
                sqlite3_finalize(st);
                return rc;
            }
            sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
        }
        sqlite3_bind_text(st, 2, dev.name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "changing a device");
        sqlite3_finalize(st);
        return rc ? rc : refresh_device_files(c, dev.name, d);
    }
    return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                       "unknown setting %s (settings-access, web-access, ssh-access, span-to-pc, directory-url, "
                       "services-url, authentication-url, locale, pool, profile)", key);
}

int pt_cluster_device_set_cert(pt_cluster *c, const char *name, const char *which, X509 *cert, pt_diag *d)
{
    pt_device dev;
    int rc = pt_cluster_device(c, name, &dev, d);
    if (rc)
        return rc;
    if (strcmp(which, "lsc") && strcmp(which, "mic"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "a device certificate is lsc or mic");
    char sql[64];
    snprintf(sql, sizeof sql, "UPDATE devices SET %s = ? WHERE name = ?", which);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "recording a device certificate");
    pt_buf der;
    pt_buf_init(&der);
    if (cert && pt_cert_der(cert, &der) == PT_OK)
        sqlite3_bind_blob(st, 1, der.data, (int)der.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_text(st, 2, dev.name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "recording a device certificate");
    sqlite3_finalize(st);
    pt_buf_free(&der);
    return rc ? rc : refresh_device_files(c, dev.name, d);
}

int pt_cluster_device_cert(pt_cluster *c, const char *name, const char *which, X509 **cert, pt_diag *d)
{
    *cert = NULL;
    char canon[16], sql[64];
    if (!pt_device_name_valid(name, canon) || (strcmp(which, "lsc") && strcmp(which, "mic")))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "bad device or certificate name");
    snprintf(sql, sizeof sql, "SELECT %s FROM devices WHERE name = ?", which);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "reading a device certificate");
    sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
    int rc = PT_ERR_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        *cert = pt_cert_from_der(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        rc = *cert ? PT_OK : PT_ERR_DB;
    }
    sqlite3_finalize(st);
    if (rc == PT_ERR_NOT_FOUND)
        pt_diag_set(d, rc, PT_NO_OFFSET, "%s has no %s on record", canon, which);
    return rc;
}

static int hex40(const char *s)
{
    if (!s || strlen(s) != 40)
        return 0;
    for (int i = 0; i < 40; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int pt_cluster_device_report(pt_cluster *c, const char *name, const char *itl_sha1, const char *ctl_sha1,
                             const char *tftp, pt_diag *d)
{
    pt_device dev;
    int rc = pt_cluster_device(c, name, &dev, d);
    if (rc)
        return rc;
    if (itl_sha1 && *itl_sha1 && !hex40(itl_sha1))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--itl-sha1 is 40 hex digits");
    if (ctl_sha1 && *ctl_sha1 && !hex40(ctl_sha1))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--ctl-sha1 is 40 hex digits");
    sqlite3_stmt *st;
    if (pt__prepare(c,
                           "UPDATE devices SET itl_sha1 = lower(?), ctl_sha1 = lower(?), reported_tftp = ?, reported = ?"
                           " WHERE name = ?", &st) != SQLITE_OK)
        return pt__db_err(c, d, "recording a report");
    sqlite3_bind_text(st, 1, itl_sha1 && *itl_sha1 ? itl_sha1 : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ctl_sha1 && *ctl_sha1 ? ctl_sha1 : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tftp, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
    sqlite3_bind_text(st, 5, dev.name, -1, SQLITE_STATIC);
    /* a phone reports at every boot: this commit need not wait for the disk
     * (WAL + NORMAL: consistent after a crash; a power cut may lose the last
     * reports, which the next boots send again) - a reboot storm is
     * thousands of them */
    sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "recording a report");
    sqlite3_exec(c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
    pt__done(c, st);
    return rc;
}

/* ---- configuration files (M11): their contents are configs.c's ---- */

static int write_in(const char *dir, const char *file, const uint8_t *data, size_t len, mode_t mode, int fresh,
                    pt_diag *d)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    /* temp + rename each (fresh: in place, the directory is not served yet);
     * the one flush for all of them is sync_dir's */
    int rc = pt_file_write_atomic_flags(path, data, len, mode, PT_WRITE_NO_SYNC | (fresh ? PT_WRITE_FRESH : 0), d);
    return rc ? pt_diag_prefix(d, rc, "%s", path) : PT_OK;
}

static int write_one(pt_cluster *c, const pt_signer *s, const char *dir, const pt_device *dev, int fresh,
                     pt_diag *d)
{
    pt_config_out out;
    int rc = pt_cluster_config_out(c, s, dev, NULL, 0, NULL, &out, d);
    char f_xml[64], f_sgn[64], f_enc[64];
    snprintf(f_xml, sizeof f_xml, "%s.cnf.xml", dev->name);
    snprintf(f_sgn, sizeof f_sgn, "%s.cnf.xml.sgn", dev->name);
    snprintf(f_enc, sizeof f_enc, "%s.cnf.xml.enc.sgn", dev->name);
    int encrypted = out.enc.len > 0;
    /* encrypted: the .enc.sgn first, then the stub that points at it; no plain file */
    if (!rc && encrypted)
        rc = write_in(dir, f_enc, out.enc.data, out.enc.len, 0644, fresh, d);
    if (!rc && !encrypted)
        rc = write_in(dir, f_xml, out.plain.data, out.plain.len, 0644, fresh, d);
    if (!rc)
        rc = write_in(dir, f_sgn, out.sgn.data, out.sgn.len, 0644, fresh, d);
    if (!rc) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", dir, encrypted ? f_xml : f_enc);
        unlink(path);
    }
    pt_config_out_free(&out);
    return rc;
}

/* Whether the ITL node serves holds cert (1), or there is none yet (1), or
 * not (0: a CallManager certificate regenerated since the last TFTP
 * restart - what it signs now, phones holding that ITL would refuse). */
static int served_itl_holds(pt_cluster *c, const char *node, X509 *cert)
{
    char dir[PATH_MAX], path[PATH_MAX];
    uint8_t *data = NULL;
    size_t len;
    if (pt_cluster_tftp_dir(c, node, dir, sizeof dir) || pt_path_join(path, sizeof path, dir, "ITLFile.tlv") ||
        access(path, F_OK) != 0)
        return 1;
    pt_buf der;
    pt_buf_init(&der);
    pt_trustlist tl;
    int holds = 0;
    if (!pt_file_read(path, &data, &len, PT_FILE_MAX, NULL) && !pt_cert_der(cert, &der) &&
        !pt_tl_parse(data, len, &tl, NULL)) {
        for (size_t i = 0; i < tl.n_recs && !holds; i++)
            holds = tl.recs[i].certificate.n == der.len && !memcmp(tl.recs[i].certificate.p, der.data, der.len);
        pt_tl_free(&tl);
    }
    pt_buf_free(&der);
    free(data);
    return holds;
}

/* The configuration files of the devices of set on node, signed by one
 * signer loaded once, flushed once.  A range's devices are read one row at
 * a time from a cursor - memory does not grow with their number - and the
 * progress is reported when there are many; a listed device that is no
 * longer there is left out. */
static int write_configs(pt_cluster *c, const char *node, const devset *set, pt_diag *d)
{
    const char *from = set->from, *to = set->to;
    pt_node n;
    int rc = pt_cluster_node(c, node, &n, d);
    if (rc)
        return rc;
    if (!(n.services & PT_SVC_TFTP))
        return PT_OK;
    int all = !from && !set->list;
    /* never into a generation about to be replaced (generation.c) */
    int building = pt__gen_building(c, node), lock = -1;
    if (!building && (rc = pt__gen_lock(c, node, &lock, d)))
        return rc;
    char dir[PATH_MAX];
    pt_cluster_tftp_dir(c, node, dir, sizeof dir);
    mkdir(dir, 0755);
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    pt_signer s = {0};
    rc = pt_cluster_cert_key(c, node, PT_CERT_CALLMANAGER, &key, &cert, d);
    if (!rc && !building && !served_itl_holds(c, node, cert)) {
        /* one device signed by the new key would be refused by every phone:
         * the node's whole set moves to the new key at once instead */
        EVP_PKEY_free(key);
        X509_free(cert);
        pt__gen_unlock(lock);
        return pt_cluster_tftp_restart(c, node, d);
    }
    if (!rc)
        rc = pt_signer_init_key(&s, key, cert, d);
    sqlite3_stmt *st = NULL;
    size_t total = 0, done = 0;
    for (size_t i = 0; !rc && set->list && i < set->n; i++) {
        pt_device dev;
        if (pt_cluster_device(c, set->list[i], &dev, NULL) == PT_OK)
            rc = write_one(c, &s, dir, &dev, building, d);
    }
    if (!rc && !set->list) {
        sqlite3_stmt *cnt;
        if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM devices WHERE ?1 IS NULL OR name BETWEEN ?1 AND ?2", -1,
                               &cnt, NULL) == SQLITE_OK) {
            sqlite3_bind_text(cnt, 1, from, -1, SQLITE_STATIC);
            sqlite3_bind_text(cnt, 2, to, -1, SQLITE_STATIC);
            if (sqlite3_step(cnt) == SQLITE_ROW)
                total = (size_t)sqlite3_column_int64(cnt, 0);
            sqlite3_finalize(cnt);
        }
        if (sqlite3_prepare_v2(c->db,
                               "SELECT " DEVICE_COLS " FROM devices WHERE ?1 IS NULL OR name BETWEEN ?1 AND ?2 "
                               "ORDER BY name",
                               -1, &st, NULL) != SQLITE_OK)
            rc = pt__db_err(c, d, "listing devices");
        else {
            sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
        }
    }
    while (!rc && st) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = pt__db_err(c, d, "listing devices");
            break;
        }
        pt_device dev;
        device_from_row(st, &dev);
        rc = write_one(c, &s, dir, &dev, building, d);
        if (total > 1)
            pt_progress("configuration files", ++done, total);
    }
    sqlite3_finalize(st);
    if (!rc && !all && !set->list && !total) {
        pt_device dev; /* a device that is not there: say so, as for one looked up */
        rc = pt_cluster_device(c, from, &dev, d);
    }
    if (!rc && all) {
        /* auto-registration defaults: signed for Security By Default models, unsigned for the others */
        char auto_reg[16];
        pt_cluster_param_get(c, "Auto-registration", auto_reg, sizeof auto_reg, NULL);
        char p1[PATH_MAX + 64], p2[PATH_MAX + 64];
        snprintf(p1, sizeof p1, "%s/XMLDefault.cnf.xml", dir);
        snprintf(p2, sizeof p2, "%s/XMLDefault.cnf.xml.sgn", dir);
        if (!strcmp(auto_reg, "True")) {
            pt_buf xml, sgn;
            pt_buf_init(&xml);
            pt_buf_init(&sgn);
            rc = pt__config_xml(c, NULL, &xml, d);
            pt_sign_opts o;
            pt__sign_opts_cucm(&o, "XMLDefault.cnf.xml.sgn");
            if (!rc)
                rc = pt_sgn_build(&sgn, &s, &o, xml.data, xml.len, d);
            if (!rc)
                rc = write_in(dir, "XMLDefault.cnf.xml", xml.data, xml.len, 0644, building, d);
            if (!rc)
                rc = write_in(dir, "XMLDefault.cnf.xml.sgn", sgn.data, sgn.len, 0644, building, d);
            pt_buf_free(&xml);
            pt_buf_free(&sgn);
        } else {
            unlink(p1);
            unlink(p2);
        }
    }
    if (!rc && !c->defer_sync)
        rc = pt_sync_fs(dir, d);
    pt__gen_unlock(lock);
    pt_signer_free(&s);
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc;
}

int pt_cluster_write_config_files(pt_cluster *c, const char *node, const char *device, pt_diag *d)
{
    char canon[16];
    if (device && !pt_device_name_valid(device, canon))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is not a device name (SEP and 12 hex digits)", device);
    return write_configs(c, node, &(devset){device ? canon : NULL, device ? canon : NULL, NULL, 0}, d);
}

int pt_cluster_write_configs_of(pt_cluster *c, const char *const *devices, size_t n, pt_diag *d)
{
    return n ? write_configs_everywhere(c, &(devset){NULL, NULL, devices, n}, d) : PT_OK;
}

/* ---- CAPF operations (M14) ---- */

static int capf_key_valid(const char *k)
{
    static const char *const keys[] = {"rsa1024", "rsa2048", "rsa3072", "rsa4096", "ec256", "ec384", "ec521"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(k, keys[i]))
            return 1;
    return 0;
}

int pt_cluster_capf_get(pt_cluster *c, const char *device, pt_capf_op *out, pt_diag *d)
{
    char canon[16];
    memset(out, 0, sizeof *out);
    if (!pt_device_name_valid(device, canon))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is not a device name (SEP and 12 hex digits)", device);
    sqlite3_stmt *st;
    if (pt__prepare(c,
                           "SELECT d.capf_op, CASE d.capf_auth WHEN '' THEN p.capf_auth ELSE d.capf_auth END,"
                           " d.capf_password, d.capf_key, d.capf_deadline, d.capf_status"
                           " FROM devices d JOIN profiles p ON p.name = d.profile WHERE d.name = ?", &st) != SQLITE_OK)
        return pt__db_err(c, d, "reading a CAPF operation");
    sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
    int rc = PT_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        text(out->op, sizeof out->op, st, 0);
        text(out->auth, sizeof out->auth, st, 1);
        text(out->password, sizeof out->password, st, 2);
        text(out->key, sizeof out->key, st, 3);
        out->deadline = (time_t)sqlite3_column_int64(st, 4);
        text(out->status, sizeof out->status, st, 5);
    } else {
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no device %s", canon);
    }
    pt__done(c, st);
    return rc;
}

static int capf_validate(pt_cluster *c, const pt_capf_op *op, time_t *deadline, pt_diag *d)
{
    if (strcmp(op->op, "install") && strcmp(op->op, "delete") && strcmp(op->op, "fetch") && strcmp(op->op, "none"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "the operation is install, delete, fetch or none");
    if (op->auth[0] && !capf_auth_valid(op->auth))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                           "the authentication mode is null-string, auth-string, lsc, mic or lsc-or-mic");
    if (!strcmp(op->auth, "auth-string")) {
        size_t n = strlen(op->password);
        if (n < 4 || n > 10 || strspn(op->password, "0123456789") != n)
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "the authentication string is 4 to 10 digits");
    }
    if (op->key[0] && !capf_key_valid(op->key))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET,
                           "the key is rsa1024, rsa2048, rsa3072, rsa4096, ec256, ec384 or ec521");
    *deadline = op->deadline;
    if (!*deadline) {
        char days[16];
        pt_cluster_param_get(c, "CAPF Operation Expires in (days)", days, sizeof days, NULL);
        *deadline = time(NULL) + (time_t)atoi(days) * 86400;
    }
    return PT_OK;
}

static int capf_store(pt_cluster *c, const char *canon, const pt_capf_op *op, time_t deadline, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           "UPDATE devices SET capf_op = ?, capf_auth = ?, capf_password = ?, capf_key = ?,"
                           " capf_deadline = ?, capf_status = ?, capf_failures = 0, capf_attempt_at = 0"
                           " WHERE name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "scheduling a CAPF operation");
    sqlite3_bind_text(st, 1, op->op, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, op->auth, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, op->password, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, op->key[0] ? op->key : "rsa2048", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)deadline);
    sqlite3_bind_text(st, 6, strcmp(op->op, "none") ? "Operation Pending" : "None", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, canon, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "scheduling a CAPF operation");
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_capf_set(pt_cluster *c, const char *device, const pt_capf_op *op, pt_diag *d)
{
    pt_device dev;
    time_t deadline;
    int rc = pt_cluster_device(c, device, &dev, d);
    if (!rc)
        rc = capf_validate(c, op, &deadline, d);
    if (!rc)
        rc = capf_store(c, dev.name, op, deadline, d);
    return rc ? rc : refresh_device_files(c, dev.name, d);
}

int pt_cluster_capf_bulk(pt_cluster *c, const char *model, const pt_capf_op *op, int *n, pt_diag *d)
{
    time_t deadline;
    *n = 0;
    int rc = capf_validate(c, op, &deadline, d);
    if (rc)
        return rc;
    if (!op->auth[0])
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "a bulk operation names its authentication mode (--auth)");
    pt_device *devs;
    size_t nd;
    if ((rc = pt_cluster_devices(c, &devs, &nd, d)))
        return rc;
    /* seed 004: the mode must match every phone's security profile */
    for (size_t i = 0; !rc && i < nd; i++) {
        pt_secprofile p;
        if (strcmp(devs[i].model, model))
            continue;
        if ((rc = pt_cluster_profile(c, devs[i].profile, &p, d)))
            break;
        if (strcmp(p.capf_auth, op->auth))
            rc = pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                             "%s: its security profile %s authenticates by %s, not %s; nothing was scheduled",
                             devs[i].name, p.name, p.capf_auth, op->auth);
    }
    if (!rc && !(rc = pt__begin(c, d))) {
        for (size_t i = 0; !rc && i < nd; i++) {
            if (!strcmp(devs[i].model, model) && !(rc = capf_store(c, devs[i].name, op, deadline, d)))
                (*n)++;
            pt_progress("devices scheduled", i + 1, nd);
        }
        if (!rc)
            rc = pt__commit(c, d);
        else
            pt__rollback(c);
    }
    /* their configurations now ask for the operation: one pass, one signer, one flush */
    const char **names = rc ? NULL : malloc((nd ? nd : 1) * sizeof *names);
    size_t nn = 0;
    if (!rc && !names)
        rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    for (size_t i = 0; !rc && i < nd; i++)
        if (!strcmp(devs[i].model, model))
            names[nn++] = devs[i].name;
    if (!rc)
        rc = pt_cluster_write_configs_of(c, names, nn, d);
    free(names);
    free(devs);
    if (!rc && *n == 0)
        rc = pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "no device of model %s", model);
    return rc;
}

int pt_cluster_capf_attempt(pt_cluster *c, const char *device, int64_t now_ms, int *too_soon, pt_diag *d)
{
    /* one statement: of two attempts in the same instant (two workers) only one is recorded */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           "UPDATE devices SET capf_attempt_at = ?1 WHERE name = ?2 AND (capf_attempt_at > ?1"
                           " OR ?1 - capf_attempt_at >= ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "recording a CAPF attempt");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now_ms);
    sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, PT_CAPF_ATTEMPT_SPACING * 1000);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "recording a CAPF attempt");
    *too_soon = !rc && sqlite3_changes(c->db) == 0;
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_capf_wrong(pt_cluster *c, const char *device, int *failures, pt_diag *d)
{
    sqlite3_stmt *st;
    *failures = 0;
    if (sqlite3_prepare_v2(c->db, "UPDATE devices SET capf_failures = capf_failures + 1 WHERE name = ?"
                                  " RETURNING capf_failures",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "counting a wrong authentication string");
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_ROW ? PT_OK : pt__db_err(c, d, "counting a wrong authentication string");
    if (!rc)
        *failures = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_capf_finish(pt_cluster *c, const char *device, int lsc_change, X509 *lsc, const char *status,
                           pt_diag *d)
{
    char canon[16];
    if (!pt_device_name_valid(device, canon))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s is not a device name (SEP and 12 hex digits)", device);
    sqlite3_stmt *st;
    if (pt__prepare(c,
                           lsc_change ? "UPDATE devices SET capf_status = ?1, capf_op = 'none', lsc = ?3 WHERE name = ?2"
                                      : "UPDATE devices SET capf_status = ?1, capf_op = 'none' WHERE name = ?2",
                    &st) != SQLITE_OK)
        return pt__db_err(c, d, "recording a CAPF result");
    pt_buf der;
    pt_buf_init(&der);
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, canon, -1, SQLITE_STATIC);
    if (lsc_change > 0 && lsc && pt_cert_der(lsc, &der) == PT_OK)
        sqlite3_bind_blob(st, 3, der.data, (int)der.len, SQLITE_STATIC);
    else if (lsc_change)
        sqlite3_bind_null(st, 3);
    /* one statement, one transaction: the LSC and the operation's end together */
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "recording a CAPF result");
    pt__done(c, st);
    pt_buf_free(&der);
    return rc;
}

int pt_cluster_capf_result(pt_cluster *c, const char *device, const char *status, int done, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           done ? "UPDATE devices SET capf_status = ?, capf_op = 'none' WHERE name = ?"
                                : "UPDATE devices SET capf_status = ? WHERE name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "recording a CAPF result");
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "recording a CAPF result");
    sqlite3_finalize(st);
    /* the operation is over: the phone's config no longer asks for it (as
     * CUCM rebuilds a device's config when its settings change) */
    if (!rc && done)
        rc = refresh_device_files(c, device, d);
    return rc;
}
