/*
 * files.c - the file namespace TFTP and HTTP share (§8): the node's own
 * files, then the administrator's trees (`serve --root DIR`), with
 *
 *  - the trust lists only ever from the cluster (CTLSEP<MAC>.tlv ->
 *    CTLFile.tlv, ITLSEP<MAC>.tlv -> ITLFile.tlv);
 *  - a known device's SEP<MAC>.cnf.xml[.sgn|.enc.sgn], when a tree holds
 *    SEP<MAC>.cnf.xml: the administrator's file with the cluster's trust
 *    elements set in it, signed (or encrypted) here (configs.c);
 *  - NAME.sgn when a tree holds NAME and NAME is not firmware: NAME signed
 *    with the node's CallManager key, header filename NAME.sgn with its
 *    path, made on request and kept until NAME or the key changes (a
 *    NAME.sgn of the tree itself is not served then: signed with another
 *    key, phones trusting this cluster would refuse it);
 *  - anything else in a tree (firmware, images, Cisco-signed .sgn loads
 *    with no unsigned twin) byte for byte;
 *  - an unknown phone's configuration: the auto-registration default.
 *
 * Every lookup stats the file, so a changed file is served (or signed)
 * anew on the next request; transfers in progress keep their bytes.
 */
#include "server.h"

#include "phonetrust/crypto.h"
#include "phonetrust/fileio.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- names ---- */

static int safe_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 255 || name[0] == '/' || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return 0;
        if (c == '/' && (name[i + 1] == '/' || name[i + 1] == '.' || name[i + 1] == '\0'))
            return 0; /* no empty, hidden, "." or ".." components */
    }
    return 1;
}

/* SEP + 12 hex digits at p (case-insensitive) */
static int is_sep_mac(const char *p)
{
    if (strncasecmp(p, "SEP", 3))
        return 0;
    for (int i = 3; i < 15; i++)
        if (!isxdigit((unsigned char)p[i]))
            return 0;
    return 1;
}

/* ITLFile.tlv, CTLFile.tlv and their per-phone forms: the cluster's only */
static int is_trust_list(const char *name)
{
    size_t n = strlen(name);
    if (!strcasecmp(name, "ITLFile.tlv") || !strcasecmp(name, "CTLFile.tlv"))
        return 1;
    return n == 22 && (!strncasecmp(name, "CTL", 3) || !strncasecmp(name, "ITL", 3)) && is_sep_mac(name + 3) &&
           !strcasecmp(name + 18, ".tlv");
}

int srv_is_firmware(const char *name)
{
    /* phone loads and images (Cisco's naming: SIP70.9-4-2SR3-1S.loads,
     * apps70.9-4-2ES26.sbn, sip88xx.14-2-1-0001-14.loads, kern8961.*.sebn,
     * P0S3-08-12-00.sb2, *.cop.sgn packages, DX/9971 *.zz, *.pkg ...) */
    static const char *const ext[] = {".loads", ".sbn", ".sb2", ".sebn", ".zz", ".bin", ".pkg",
                                      ".img",   ".cop", ".tar", ".k3",   ".k4", ".ld"};
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    for (size_t i = 0; dot && i < sizeof ext / sizeof ext[0]; i++)
        if (!strcasecmp(dot, ext[i]))
            return 1;
    return 0;
}

/* ---- reading a file of a served directory ---- */

static int same_stamp(const cached_file *f, const struct stat *st)
{
    return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
           f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* path (a regular file under dir) is really inside it: a symbolic link
 * may point within, never out (e.g. to keys/) */
static int inside(const char *dir, char *real, size_t realn, const char *path)
{
    char rp[PATH_MAX];
    if (!real[0] && !realpath(dir, real))
        real[0] = '\0'; /* resolved once per worker, retried until it exists */
    size_t bl = strlen(real);
    int in = bl && realpath(path, rp) && !strncmp(rp, real, bl) && rp[bl] == '/';
    if (!in && realpath(dir, rp) && strlen(rp) < realn) {
        /* the node's directory may be a new generation since (generation.c) */
        snprintf(real, realn, "%s", rp);
        bl = strlen(real);
        in = bl && realpath(path, rp) && !strncmp(rp, real, bl) && rp[bl] == '/';
    }
    return in;
}

/* name under dir: its bytes (a new reference), or NULL with *err 1 (none)
 * or 2 (it leads outside dir).  st receives its stamp. */
static blob *load(server *s, const char *dir, char *real, size_t realn, const char *name, struct stat *st, int *err)
{
    char path[PATH_MAX];
    if (pt_path_join(path, sizeof path, dir, name) || stat(path, st) != 0 || !S_ISREG(st->st_mode)) {
        *err = 1;
        return NULL;
    }
    for (int i = 0; i < FILE_CACHE; i++) {
        cached_file *f = &s->files[i];
        if (f->b && !strcmp(f->path, path) && same_stamp(f, st)) {
            f->b->refs++;
            return f->b;
        }
    }
    if (!inside(dir, real, realn, path)) {
        srv_logl(s, LOG_WARNING, "FILES %s: refused, it leads outside %s", name, dir);
        *err = 2;
        return NULL;
    }
    uint8_t *data;
    size_t len;
    if (pt_file_read(path, &data, &len, PT_FILE_MAX, NULL)) {
        *err = 1;
        return NULL;
    }
    blob *b = malloc(sizeof *b + len + 1);
    if (!b) {
        free(data);
        *err = 1;
        return NULL;
    }
    b->refs = 2; /* the caller's and the cache's */
    b->len = len;
    memcpy(b->data, data, len);
    free(data);
    cached_file *f = &s->files[s->next_file++ % FILE_CACHE];
    blob_unref(f->b);
    snprintf(f->path, sizeof f->path, "%s", path);
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->size = st->st_size;
    f->mtime = st->st_mtim;
    f->b = b;
    return b;
}

static blob *own(server *s, const char *name, int *err)
{
    struct stat st;
    return load(s, s->tftp_dir, s->tftp_real, sizeof s->tftp_real, name, &st, err);
}

static blob *from_root(server *s, int r, const char *name, struct stat *st, int *err)
{
    return load(s, s->o->roots[r], s->root_real[r], PATH_MAX, name, st, err);
}

static blob *blob_of(const uint8_t *data, size_t len)
{
    blob *b = malloc(sizeof *b + len + 1);
    if (b) {
        b->refs = 1;
        b->len = len;
        memcpy(b->data, data, len);
    }
    return b;
}

/* ---- what the node signs: its CallManager key ---- */

/* The signer, reloaded when the database says the certificate changed. */
static const pt_signer *signer(server *s)
{
    long long v = pt_cluster_data_version(s->cl);
    if (s->signer_ok && v == s->signer_version)
        return &s->signer;
    s->signer_version = v;
    X509 *cert = NULL;
    pt_diag d;
    uint8_t id[EVP_MAX_MD_SIZE];
    unsigned int idn = 0;
    if (pt_cluster_cert(s->cl, s->self.name, PT_CERT_CALLMANAGER, &cert, &d) || !X509_digest(cert, EVP_sha1(), id, &idn)) {
        X509_free(cert);
        return s->signer_ok ? &s->signer : NULL;
    }
    X509_free(cert);
    if (s->signer_ok && !memcmp(id, s->signer_id, sizeof s->signer_id))
        return &s->signer;
    EVP_PKEY *key = NULL;
    if (pt_cluster_cert_key(s->cl, s->self.name, PT_CERT_CALLMANAGER, &key, &cert, &d)) {
        srv_logl(s, LOG_WARNING, "FILES cannot load this node's CallManager key: %s", d.msg);
        return s->signer_ok ? &s->signer : NULL;
    }
    pt_signer fresh;
    if (pt_signer_init_key(&fresh, key, cert, &d)) {
        EVP_PKEY_free(key);
        X509_free(cert);
        return s->signer_ok ? &s->signer : NULL;
    }
    srv_signer_free(s);
    s->signer = fresh;
    s->sign_key = key;
    s->sign_cert = cert;
    memcpy(s->signer_id, id, sizeof s->signer_id);
    s->signer_ok = 1;
    return &s->signer;
}

void srv_signer_free(server *s)
{
    if (!s->signer_ok)
        return;
    pt_signer_free(&s->signer);
    EVP_PKEY_free(s->sign_key); /* (OpenSSL clears a private key it frees) */
    X509_free(s->sign_cert);
    s->sign_key = NULL;
    s->sign_cert = NULL;
    s->signer_ok = 0;
}

void srv_made_free(server *s)
{
    for (int i = 0; i < MADE_CACHE; i++)
        for (int k = 0; k < 3; k++) {
            blob_unref(s->made[i].b[k]);
            s->made[i].b[k] = NULL;
        }
}

/* A made file still good for key with the source's stamp st, the signer
 * and (for configurations, version >= 0) the database version. */
static made_file *made_find(server *s, const char *key, const struct stat *st, long long version)
{
    for (int i = 0; i < MADE_CACHE; i++) {
        made_file *m = &s->made[i];
        if (m->key[0] && !strcmp(m->key, key) && same_stamp(&m->src, st) && m->version == version &&
            !memcmp(m->signer, s->signer_id, sizeof m->signer))
            return m;
    }
    return NULL;
}

static made_file *made_slot(server *s, const char *key, const struct stat *st, long long version)
{
    made_file *m = NULL;
    for (int i = 0; i < MADE_CACHE && !m; i++)
        if (!strcmp(s->made[i].key, key))
            m = &s->made[i]; /* replaces its older version */
    if (!m)
        m = &s->made[s->next_made++ % MADE_CACHE];
    for (int k = 0; k < 3; k++) {
        blob_unref(m->b[k]);
        m->b[k] = NULL;
    }
    snprintf(m->key, sizeof m->key, "%s", key);
    m->src.dev = st->st_dev;
    m->src.ino = st->st_ino;
    m->src.size = st->st_size;
    m->src.mtime = st->st_mtim;
    m->version = version;
    memcpy(m->signer, s->signer_id, sizeof m->signer);
    return m;
}

static blob *take(blob *b)
{
    if (b)
        b->refs++;
    return b;
}

/* NAME.sgn made from root r's NAME. */
static blob *signed_on_request(server *s, int r, const char *name, const char *sgn_name, int *err)
{
    struct stat st;
    blob *src = from_root(s, r, name, &st, err);
    if (!src)
        return NULL;
    const pt_signer *sg = signer(s);
    if (!sg) {
        blob_unref(src);
        *err = 1;
        return NULL;
    }
    char key[PATH_MAX + 16];
    snprintf(key, sizeof key, "sgn:%d:%s", r, sgn_name);
    made_file *m = made_find(s, key, &st, -1);
    if (m) {
        blob_unref(src);
        return take(m->b[0]);
    }
    pt_buf out;
    pt_buf_init(&out);
    pt_diag d;
    int rc = pt_cluster_sign_file(sg, sgn_name, src->data, src->len, &out, &d);
    blob_unref(src);
    blob *b = rc ? NULL : blob_of(out.data, out.len);
    pt_buf_free(&out);
    if (!b) {
        srv_logl(s, LOG_WARNING, "FILES %s: cannot sign %s/%s: %s", sgn_name, s->o->roots[r], name, rc ? d.msg : "out of memory");
        *err = 1;
        return NULL;
    }
    m = made_slot(s, key, &st, -1);
    m->b[0] = take(b);
    return b;
}

/* A known device's configuration from root r's SEP<MAC>.cnf.xml; which: 0
 * plain, 1 .sgn, 2 .enc.sgn.  NULL with *err 1 when the device is not the
 * cluster's (the caller goes on) or that form is not served. */
static blob *merged_config(server *s, int r, const pt_device *dev, int which, int *err)
{
    char base[32];
    snprintf(base, sizeof base, "%s.cnf.xml", dev->name);
    struct stat st;
    blob *src = from_root(s, r, base, &st, err);
    if (!src)
        return NULL;
    const pt_signer *sg = signer(s);
    if (!sg) {
        blob_unref(src);
        *err = 1;
        return NULL;
    }
    char key[64];
    snprintf(key, sizeof key, "cnf:%d:%s", r, dev->name);
    long long version = pt_cluster_data_version(s->cl);
    made_file *m = made_find(s, key, &st, version);
    if (!m) {
        char what[PATH_MAX + 40];
        snprintf(what, sizeof what, "%s/%s", s->o->roots[r], base);
        pt_config_out out;
        pt_diag d;
        int rc = pt_cluster_config_out(s->cl, sg, dev, src->data, src->len, what, &out, &d);
        if (rc) {
            blob_unref(src);
            srv_logl(s, LOG_WARNING, "FILES %s: cannot make %s's configuration from it: %s", what, dev->name, d.msg);
            *err = 1;
            return NULL;
        }
        m = made_slot(s, key, &st, version);
        const pt_buf *parts[3] = {&out.plain, &out.sgn, &out.enc};
        for (int k = 0; k < 3; k++)
            m->b[k] = parts[k]->len ? blob_of(parts[k]->data, parts[k]->len) : NULL;
        pt_config_out_free(&out);
    }
    blob_unref(src);
    *err = 1;
    return take(m->b[which]);
}

/* ---- told once ---- */

struct srv_once {
    pthread_mutex_t lock;
    size_t n;
    size_t seen[512];
};

srv_once *srv_once_new(void)
{
    srv_once *o = calloc(1, sizeof *o);
    if (o)
        pthread_mutex_init(&o->lock, NULL);
    return o;
}

void srv_once_free(srv_once *o)
{
    if (o) {
        pthread_mutex_destroy(&o->lock);
        free(o);
    }
}

/* 1 the first time key is seen (by any worker) */
static int first_time(srv_once *o, const char *key)
{
    if (!o)
        return 1;
    size_t h = srv_hash(key);
    int first = 1;
    pthread_mutex_lock(&o->lock);
    for (size_t i = 0; i < o->n && first; i++)
        first = o->seen[i] != h;
    if (first && o->n < sizeof o->seen / sizeof o->seen[0])
        o->seen[o->n++] = h;
    pthread_mutex_unlock(&o->lock);
    return first;
}

/* ---- the namespace ---- */

/* A known device's configuration made from the first tree holding its
 * SEP<MAC>.cnf.xml.  *err 1 and *found 0 when no tree holds one or the
 * device is not the cluster's; *found 1 with NULL: the form asked for is
 * not served (e.g. the plain file of an encrypted configuration). */
static blob *roots_config(server *s, const char *requested, char *resolved, size_t n, int *found, int *err)
{
    size_t len = strlen(requested);
    int which = -1;
    *found = 0;
    *err = 1;
    if (len >= 23 && is_sep_mac(requested)) {
        if (!strcmp(requested + 15, ".cnf.xml"))
            which = 0;
        else if (!strcmp(requested + 15, ".cnf.xml.sgn"))
            which = 1;
        else if (!strcmp(requested + 15, ".cnf.xml.enc.sgn"))
            which = 2;
    }
    if (which < 0)
        return NULL;
    char device[16], base[32];
    snprintf(device, sizeof device, "%.15s", requested);
    snprintf(base, sizeof base, "%s.cnf.xml", device);
    for (int r = 0; r < s->o->n_roots; r++) {
        char path[PATH_MAX];
        struct stat st;
        if (pt_path_join(path, sizeof path, s->o->roots[r], base) || stat(path, &st) != 0)
            continue;
        pt_device dev;
        if (pt_cluster_device(s->cl, device, &dev, NULL) != PT_OK)
            return NULL; /* not the cluster's: its file is served as any other */
        *found = 1;
        blob *b = merged_config(s, r, &dev, which, err);
        if (b)
            snprintf(resolved, n, "%s/%s with this cluster's trust settings", s->o->roots[r], base);
        *err = b ? 0 : *err;
        return b;
    }
    return NULL;
}

/* Anything else in the administrator's trees, in order: NAME.sgn made
 * from NAME, or the file itself. */
static blob *roots_file(server *s, const char *requested, char *resolved, size_t n, int *err)
{
    size_t len = strlen(requested);
    for (int r = 0; r < s->o->n_roots; r++) {
        const char *root = s->o->roots[r];
        struct stat st;
        int e = 1;
        if (len > 4 && !strcmp(requested + len - 4, ".sgn")) {
            char name[PATH_MAX], path[PATH_MAX];
            snprintf(name, sizeof name, "%.*s", (int)(len - 4), requested);
            if (!srv_is_firmware(name) && !pt_path_join(path, sizeof path, root, name) && stat(path, &st) == 0 &&
                S_ISREG(st.st_mode)) {
                blob *b = signed_on_request(s, r, name, requested, &e);
                if (b) {
                    char copy[PATH_MAX];
                    if (!pt_path_join(copy, sizeof copy, root, requested) && access(copy, F_OK) == 0 &&
                        first_time(s->once, copy))
                        srv_log(s, "FILES %s: served signed by this node instead of this copy (signed by "
                                   "another key: phones trusting this cluster would refuse it)", copy);
                    snprintf(resolved, n, "%s/%s signed by this node", root, name);
                    *err = 0;
                    return b;
                }
                if (e == 2) {
                    *err = 2;
                    return NULL;
                }
            }
        }
        blob *b = from_root(s, r, requested, &st, &e);
        if (b || e == 2) {
            snprintf(resolved, n, "%s/%s", root, requested);
            *err = b ? 0 : e;
            return b;
        }
    }
    *err = 1;
    return NULL;
}

blob *srv_file(server *s, const char *requested, char *resolved, size_t n, int *err)
{
    *err = 0;
    if (!safe_name(requested)) {
        *err = 2;
        return NULL;
    }
    snprintf(resolved, n, "%s", requested);
    size_t len = strlen(requested);
    int config = len >= 23 && is_sep_mac(requested) && !strncmp(requested + 15, ".cnf.xml", 8);
    blob *b = NULL;
    int found = 0;
    /* a known device's configuration from the administrator's file comes first */
    if (config && s->o->n_roots && ((b = roots_config(s, requested, resolved, n, &found, err)) || found))
        return b;
    snprintf(resolved, n, "%s", requested);
    if ((b = own(s, requested, err)) || *err == 2)
        return b;
    if (!is_trust_list(requested) && s->o->n_roots && ((b = roots_file(s, requested, resolved, n, err)) || *err == 2))
        return b;
    /* per-device trust lists fall back to the generic ones */
    if (len == 22 && !strncasecmp(requested, "CTL", 3) && is_sep_mac(requested + 3) &&
        !strcasecmp(requested + 18, ".tlv"))
        snprintf(resolved, n, "CTLFile.tlv");
    else if (len == 22 && !strncasecmp(requested, "ITL", 3) && is_sep_mac(requested + 3) &&
             !strcasecmp(requested + 18, ".tlv"))
        snprintf(resolved, n, "ITLFile.tlv");
    /* an unknown phone's configuration: the auto-registration default */
    else if (len >= 23 && is_sep_mac(requested) && !strcmp(requested + 15, ".cnf.xml"))
        snprintf(resolved, n, "XMLDefault.cnf.xml");
    else if (len >= 27 && is_sep_mac(requested) && !strcmp(requested + 15, ".cnf.xml.sgn"))
        snprintf(resolved, n, "XMLDefault.cnf.xml.sgn");
    else {
        *err = 1;
        return NULL;
    }
    return own(s, resolved, err);
}
