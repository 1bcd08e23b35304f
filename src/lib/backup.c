/*
 * backup.c - disaster-recovery backups (M19): one encrypted archive of
 * the cluster database, every key, and the files each TFTP node serves, so
 * that a restored cluster serves byte-identical files.
 *
 * Archive: "PTDRS1\n" || salt[16] || iterations u32 || nonce[12] ||
 * AES-256-GCM(key = PBKDF2-HMAC-SHA256(security password, salt)) of the
 * entries || tag[16]; the 39-byte header is the GCM additional data.
 * Entries: u16 name length, name (relative path), u32 mode, u32 length,
 * bytes.  Reading goes through pt_reader; names are checked.
 */
#include "cluster_internal.h"
#include "phonetrust/progress.h"

#include "phonetrust/fileio.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "PTDRS1\n"
#define MAGIC_LEN 7
#define HDR_LEN (MAGIC_LEN + 16 + 4 + 12)
#define ITER 200000

static int derive(const char *pw, const uint8_t *salt, uint32_t iter, uint8_t key[32])
{
    return PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, 16, (int)iter, EVP_sha256(), 32, key) == 1 ? PT_OK
                                                                                                  : PT_ERR_CRYPTO;
}

static void add_entry(pt_buf *b, const char *name, mode_t mode, const uint8_t *data, size_t len)
{
    pt_buf_put_u16(b, (uint16_t)strlen(name));
    pt_buf_put(b, name, strlen(name));
    pt_buf_put_u32(b, (uint32_t)mode);
    pt_buf_put_u32(b, (uint32_t)len);
    pt_buf_put(b, data, len);
}

static size_t packed; /* files so far, for the progress bar */

static int add_dir(pt_cluster *c, pt_buf *b, const char *rel, pt_diag *d)
{
    char path[PATH_MAX];
    if (pt_path_join(path, sizeof path, c->home, rel))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long: %s", rel);
    DIR *dir = opendir(path);
    if (!dir)
        return PT_OK;
    struct dirent *e;
    int rc = PT_OK;
    while (!rc && (e = readdir(dir))) {
        if (e->d_name[0] == '.' || pt_is_temp_name(e->d_name))
            continue;
        char sub[PATH_MAX], full[PATH_MAX];
        if (pt_path_join(sub, sizeof sub, rel, e->d_name) || pt_path_join(full, sizeof full, c->home, sub)) {
            rc = pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "path too long: %s/%s", rel, e->d_name);
            break;
        }
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            rc = add_dir(c, b, sub, d);
            continue;
        }
        uint8_t *data;
        size_t len;
        if ((rc = pt_file_read(full, &data, &len, PT_FILE_MAX, d)))
            return pt_diag_prefix(d, rc, "%s", full);
        add_entry(b, sub, st.st_mode & 0777, data, len);
        pt_wipe(data, len);
        free(data);
        pt_progress("files backed up", ++packed, 0);
    }
    closedir(dir);
    return rc;
}

/* The database (a consistent snapshot, even with other commands running),
 * the keys and the served files as entries in plain (a secret buffer); the
 * snapshot is taken in snapdir, and removed. */
static int pack(pt_cluster *c, const char *snapdir, pt_buf *plain, pt_diag *d)
{
    char snap[PATH_MAX];
    if (pt_path_join(snap, sizeof snap, snapdir, "backup-snapshot.db"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "the cluster home's path is too long");
    unlink(snap);
    packed = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "VACUUM INTO ?", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "snapshotting the database");
    sqlite3_bind_text(st, 1, snap, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        unlink(snap);
        return pt__db_err(c, d, "snapshotting the database");
    }
    plain->secret = 1;
    uint8_t *db;
    size_t dblen;
    int rc = pt_file_read(snap, &db, &dblen, 1u << 30, d);
    unlink(snap);
    if (rc)
        return rc;
    add_entry(plain, "cluster.db", 0600, db, dblen);
    free(db);
    rc = add_dir(c, plain, "keys", d);
    if (!rc)
        rc = add_dir(c, plain, "tftp", d);
    if (!rc && (rc = pt_buf_error(plain)))
        pt_diag_set(d, rc, PT_NO_OFFSET, "cannot build the backup");
    return rc;
}

int pt_cluster_backup(pt_cluster *c, const char *password, pt_buf *out, pt_diag *d)
{
    int rc = pt_cluster_check_security_password(c, password, d);
    if (rc)
        return rc;
    pt_buf plain;
    pt_buf_init(&plain);
    rc = pack(c, c->home, &plain, d);

    uint8_t hdr[HDR_LEN], key[32];
    memcpy(hdr, MAGIC, MAGIC_LEN);
    uint8_t *salt = hdr + MAGIC_LEN, *nonce = hdr + MAGIC_LEN + 20;
    hdr[MAGIC_LEN + 16] = (uint8_t)(ITER >> 24);
    hdr[MAGIC_LEN + 17] = (uint8_t)(ITER >> 16);
    hdr[MAGIC_LEN + 18] = (uint8_t)(ITER >> 8);
    hdr[MAGIC_LEN + 19] = (uint8_t)ITER;
    if (!rc && (RAND_bytes(salt, 16) != 1 || RAND_bytes(nonce, 12) != 1 || derive(password, salt, ITER, key)))
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot derive the backup key");
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n = 0, f = 0;
    if (!rc) {
        pt_buf_put(out, hdr, HDR_LEN);
        size_t off = out->len;
        pt_buf_reserve(out, plain.len + 32);
        if (pt_buf_error(out) || plain.len > INT32_MAX || !x ||
            !EVP_EncryptInit_ex(x, EVP_aes_256_gcm(), NULL, key, nonce) ||
            !EVP_EncryptUpdate(x, NULL, &n, hdr, HDR_LEN) ||
            !EVP_EncryptUpdate(x, out->data + off, &n, plain.data, (int)plain.len) ||
            !EVP_EncryptFinal_ex(x, out->data + off + n, &f) ||
            !EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, out->data + off + n + f))
            rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot encrypt the backup");
        else
            out->len = off + (size_t)n + (size_t)f + 16;
    }
    EVP_CIPHER_CTX_free(x);
    pt_wipe(key, sizeof key);
    pt_buf_free(&plain);
    return rc;
}

static int safe_name(const uint8_t *p, size_t n)
{
    if (n == 0 || p[0] == '/')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0)
            return 0;
    /* no ".." component */
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '.' && p[i + 1] == '.' && (i == 0 || p[i - 1] == '/') && (i + 2 == n || p[i + 2] == '/'))
            return 0;
    return (n >= 5 && !memcmp(p, "keys/", 5)) || (n >= 5 && !memcmp(p, "tftp/", 5)) ||
           (n == 10 && !memcmp(p, "cluster.db", 10));
}

static int mkdirs(const char *root, const char *rel)
{
    char path[PATH_MAX];
    if (pt_path_join(path, sizeof path, root, rel))
        return -1;
    for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        if (mkdir(path, strncmp(rel, "keys", 4) ? 0755 : 0700) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return 0;
}

/* The entries of plain put in place in home, whole (homestage.c): nothing
 * half-placed is left behind.  Written without a flush each (thousands of
 * configuration files), then one flush of the file system before they are
 * put in place - none at all for a throwaway copy (durable = 0). */
static int unpack(const pt_buf *plain, const char *home, const char *what, int durable, pt_diag *d)
{
    pt__home_stage stage;
    int src = pt__home_stage_begin(&stage, home, what, d);
    if (src)
        return src;
    const char *tmp = stage.tmp;
    pt_reader r;
    pt_rd_init(&r, plain->data, plain->len);
    int rc = PT_OK, have_db = 0;
    while (!rc && !pt_rd_eof(&r)) {
        size_t off = pt_rd_pos(&r);
        pt_progress("bytes restored", off, plain->len);
        uint16_t nlen;
        uint32_t mode, dlen;
        const uint8_t *name, *bytes;
        if (pt_rd_u16(&r, &nlen) || pt_rd_bytes(&r, nlen, &name) || pt_rd_u32(&r, &mode) ||
            pt_rd_u32(&r, &dlen) || pt_rd_bytes(&r, dlen, &bytes)) {
            rc = pt_diag_set(d, PT_ERR_TRUNCATED, off, "the backup's entry list is truncated");
            break;
        }
        if (!safe_name(name, nlen)) {
            rc = pt_diag_set(d, PT_ERR_FORMAT, off, "the backup names a file outside the cluster home: %.*s",
                             (int)nlen, name);
            break;
        }
        char rel[1024], path[PATH_MAX];
        snprintf(rel, sizeof rel, "%.*s", (int)(nlen < sizeof rel ? nlen : sizeof rel - 1), name);
        have_db |= !strcmp(rel, "cluster.db");
        if (pt_path_join(path, sizeof path, tmp, rel) || mkdirs(tmp, rel) != 0)
            rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot create directories for %s", rel);
        else
            rc = pt_file_write_atomic_flags(path, bytes, dlen, (mode_t)(mode & 0777), PT_WRITE_NO_SYNC, d);
    }
    if (!rc && !have_db)
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "the backup holds no cluster database");
    char keys[PATH_MAX];
    if (pt_path_join(keys, sizeof keys, tmp, "keys") == PT_OK)
        chmod(keys, 0700);
    if (!rc && durable)
        rc = pt_sync_fs(tmp, d);
    if (!rc)
        rc = pt__home_stage_commit(&stage, d);
    if (rc)
        pt__home_stage_abort(&stage); /* nothing half-restored is left behind */
    return rc;
}

/* The backup's entries, decrypted into plain (secret). */
static int decrypt(const uint8_t *data, size_t len, const char *password, pt_buf *plain, pt_diag *d)
{
    if (len < HDR_LEN + 16 || memcmp(data, MAGIC, MAGIC_LEN))
        return pt_diag_set(d, PT_ERR_FORMAT, 0, "not a phonetrust disaster-recovery backup");
    const uint8_t *salt = data + MAGIC_LEN, *nonce = data + MAGIC_LEN + 20;
    uint32_t iter = ((uint32_t)data[MAGIC_LEN + 16] << 24) | ((uint32_t)data[MAGIC_LEN + 17] << 16) |
                    ((uint32_t)data[MAGIC_LEN + 18] << 8) | data[MAGIC_LEN + 19];
    if (iter < 1000 || iter > 10000000)
        return pt_diag_set(d, PT_ERR_FORMAT, MAGIC_LEN + 16, "implausible key-derivation count %u", iter);
    uint8_t key[32];
    if (derive(password, salt, iter, key))
        return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot derive the backup key");
    size_t clen = len - HDR_LEN - 16;
    pt_buf_init(plain);
    plain->secret = 1;
    pt_buf_reserve(plain, clen + 16);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n = 0, f = 0;
    int ok = x && !pt_buf_error(plain) && clen <= INT32_MAX &&
             EVP_DecryptInit_ex(x, EVP_aes_256_gcm(), NULL, key, nonce) &&
             EVP_DecryptUpdate(x, NULL, &n, data, HDR_LEN) &&
             EVP_DecryptUpdate(x, plain->data, &n, data + HDR_LEN, (int)clen) &&
             EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, (void *)(data + len - 16)) &&
             EVP_DecryptFinal_ex(x, plain->data + n, &f) > 0;
    EVP_CIPHER_CTX_free(x);
    pt_wipe(key, sizeof key);
    if (!ok) {
        pt_buf_free(plain);
        return pt_diag_set(d, PT_ERR_AUTH, PT_NO_OFFSET,
                           "the backup does not open: wrong cluster security password, or the file is damaged");
    }
    plain->len = (size_t)n + (size_t)f;
    return PT_OK;
}

int pt_cluster_restore(const uint8_t *data, size_t len, const char *password, const char *home, pt_diag *d)
{
    if (len < HDR_LEN + 16 || memcmp(data, MAGIC, MAGIC_LEN))
        return pt_diag_set(d, PT_ERR_FORMAT, 0, "not a phonetrust disaster-recovery backup");
    int rc = pt__home_stage_check(home, d); /* before any work: a home that holds a cluster stays as it is */
    pt_buf plain;
    if (!rc && !(rc = decrypt(data, len, password, &plain, d))) {
        rc = unpack(&plain, home, "restore", 1, d);
        pt_buf_free(&plain);
    }
    return rc;
}

int pt_cluster_restore_over(const uint8_t *data, size_t len, const char *password, const char *home,
                            pt_restore_check check, void *arg, char *kept, size_t kept_n, pt_diag *d)
{
    pt_buf plain;
    int rc = decrypt(data, len, password, &plain, d);
    if (rc)
        return rc;
    /* built beside the home, so that one rename exchanges them */
    char stage[PATH_MAX];
    if (snprintf(stage, sizeof stage, "%s.restore-XXXXXX", home) >= (int)sizeof stage || !mkdtemp(stage)) {
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET,
                         "cannot build the restored cluster beside %s: %s (restore into an empty home, then\n"
                         "move it into place with the services stopped)",
                         home, strerror(errno));
        pt_buf_free(&plain);
        return rc;
    }
    rc = unpack(&plain, stage, "restore", 1, d);
    pt_buf_free(&plain);
    pt_cluster *cur = NULL, *res = NULL;
    if (!rc)
        rc = pt_cluster_open(home, &cur, d);
    if (!rc)
        rc = pt_cluster_open(stage, &res, d);
    if (!rc && check)
        rc = check(cur, res, arg, d);
    pt_cluster_close(res);
    pt_cluster_close(cur);
    if (!rc && renameat2(AT_FDCWD, stage, AT_FDCWD, home, RENAME_EXCHANGE) != 0)
        rc = pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "cannot put the restored cluster in place of %s: %s", home,
                         strerror(errno));
    if (rc) {
        pt__rm_tree(stage);
        return rc;
    }
    /* the replaced cluster is kept, named by the time it was replaced */
    time_t now = time(NULL);
    struct tm tm;
    char when[32];
    localtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y%m%d-%H%M%S", &tm);
    snprintf(kept, kept_n, "%s.replaced-%s", home, when);
    if (rename(stage, kept) != 0)
        snprintf(kept, kept_n, "%s", stage);
    return pt_sync_fs(home, d);
}

int pt_cluster_copy_home(pt_cluster *c, const char *home, pt_diag *d)
{
    int rc = pt__home_stage_check(home, d);
    if (rc)
        return rc;
    /* the snapshot beside the copy: the cluster's own home is only read */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", home);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
    pt_buf plain;
    pt_buf_init(&plain);
    rc = pack(c, dir, &plain, d);
    if (!rc)
        rc = unpack(&plain, home, "copy", 0, d);
    pt_buf_free(&plain);
    return rc;
}
