/*
 * itlrecovery.c - the ITLRecovery key's off-box backup: ITLRecovery.p12,
 * made for `file get tftp ITLRecovery.p12` and read back by `utils itl reset
 * remotekey`, and the daily alert until it has been saved.
 *
 * The .p12 password is PBKDF2-SHA256(security password, salt): the salt is
 * random per cluster (cluster.p12_salt, not secret) and the security password
 * is what the admin types, so cluster.db alone does not open the file.  The
 * salt also travels in the .p12 itself, as the friendly name of the key bag
 * (outside the encrypted parts, read without the password), so a rebuilt
 * publisher with the same security password opens a .p12 saved from the old
 * one.  A .p12 without it was saved before the salt existed and used the
 * fixed one below.
 */
#include "phonetrust/cluster.h"
#include "phonetrust/constants.h"
#include "phonetrust/crypto.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cluster_internal.h"

#define NAME_PREFIX "ITLRecovery p12-salt="
#define LEGACY_SALT "phonetrust ITLRecovery.p12"

int pt__p12_new_salt(char out[33])
{
    uint8_t r[16];
    if (RAND_bytes(r, sizeof r) != 1)
        return PT_ERR_CRYPTO;
    pt_hex(r, sizeof r, out);
    return PT_OK;
}

/* password = hex(PBKDF2-SHA256(security password, salt, 100000 rounds)) */
static int derive(const char *security_password, const char *salt, char out[65])
{
    uint8_t dk[32];
    if (PKCS5_PBKDF2_HMAC(security_password, (int)strlen(security_password), (const uint8_t *)salt,
                          (int)strlen(salt), 100000, EVP_sha256(), sizeof dk, dk) != 1)
        return PT_ERR_CRYPTO;
    pt_hex(dk, sizeof dk, out);
    pt_wipe(dk, sizeof dk);
    return PT_OK;
}

static int cluster_salt(pt_cluster *c, char out[65], pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT p12_salt FROM cluster WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "reading the cluster");
    int rc = PT_ERR_DB;
    const unsigned char *v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    if (v && strlen((const char *)v) < 65) {
        snprintf(out, 65, "%s", (const char *)v);
        rc = PT_OK;
    }
    sqlite3_finalize(st);
    return rc ? pt_diag_set(d, rc, PT_NO_OFFSET, "the cluster has no ITLRecovery.p12 salt") : PT_OK;
}

/* The typed security password must be this cluster's: a typo would
 * otherwise make a .p12 nobody can open. */
static int check_typed(pt_cluster *c, const char *security_password, pt_diag *d)
{
    if (!security_password)
        return pt_diag_set(d, PT_ERR_AUTH, PT_NO_OFFSET, "no cluster security password given");
    return pt_cluster_check_security_password(c, security_password, d);
}

int pt_cluster_itlrecovery_p12(pt_cluster *c, const char *security_password, pt_buf *out, pt_diag *d)
{
    char salt[65], pw[65] = "", name[sizeof NAME_PREFIX + 64];
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    int rc = check_typed(c, security_password, d);
    if (!rc)
        rc = cluster_salt(c, salt, d);
    if (!rc && derive(security_password, salt, pw))
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot derive the ITLRecovery.p12 password");
    if (!rc)
        rc = pt_cluster_cert_key(c, NULL, PT_CERT_ITLRECOVERY, &key, &cert, d);
    if (rc) {
        pt_wipe(pw, sizeof pw);
        return rc;
    }
    snprintf(name, sizeof name, NAME_PREFIX "%s", salt);
    PKCS12 *p12 = PKCS12_create(pw, name, key, cert, NULL, NID_aes_256_cbc, NID_aes_256_cbc, 100000, 100000, 0);
    unsigned char *der = NULL;
    int n = p12 ? i2d_PKCS12(p12, &der) : -1;
    if (n > 0) {
        out->secret = 1;
        pt_buf_put(out, der, (size_t)n);
        OPENSSL_clear_free(der, (size_t)n);
        rc = pt_buf_error(out);
    } else {
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot make ITLRecovery.p12");
    }
    PKCS12_free(p12);
    EVP_PKEY_free(key);
    X509_free(cert);
    pt_wipe(pw, sizeof pw);
    ERR_clear_error();
    return rc;
}

/* The salt a .p12 was made with: the key bag's friendly name, which lies in
 * a plain (unencrypted) part of the file; the fixed salt when it has none. */
static void p12_salt(PKCS12 *p12, char out[65])
{
    snprintf(out, 65, "%s", LEGACY_SALT);
    STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
    for (int i = 0; safes && i < sk_PKCS7_num(safes); i++) {
        PKCS7 *p7 = sk_PKCS7_value(safes, i);
        if (OBJ_obj2nid(p7->type) != NID_pkcs7_data)
            continue;
        STACK_OF(PKCS12_SAFEBAG) *bags = PKCS12_unpack_p7data(p7);
        for (int j = 0; bags && j < sk_PKCS12_SAFEBAG_num(bags); j++) {
            char *fn = PKCS12_get_friendlyname(sk_PKCS12_SAFEBAG_value(bags, j));
            size_t pre = strlen(NAME_PREFIX);
            if (fn && !strncmp(fn, NAME_PREFIX, pre) && strlen(fn + pre) >= 16 && strlen(fn + pre) <= 64 &&
                strspn(fn + pre, "0123456789abcdef") == strlen(fn + pre))
                snprintf(out, 65, "%s", fn + pre);
            OPENSSL_free(fn);
        }
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    ERR_clear_error();
}

int pt_cluster_itlrecovery_backed_up(pt_cluster *c, pt_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "UPDATE cluster SET itlrecovery_backup = ? WHERE id = 1", -1, &st, NULL) !=
        SQLITE_OK)
        return pt__db_err(c, d, "recording the backup");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
    int rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt__db_err(c, d, "recording the backup");
    sqlite3_finalize(st);
    return rc;
}

int pt_cluster_alerts(pt_cluster *c, char *out, size_t n, pt_diag *d)
{
    out[0] = '\0';
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT itlrecovery_backup, security_password_changed, created FROM cluster",
                           -1, &st, NULL) != SQLITE_OK)
        return pt__db_err(c, d, "reading alerts");
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL) {
        time_t since = (time_t)sqlite3_column_int64(st, 1);
        char when[64];
        struct tm tm;
        localtime_r(&since, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
        snprintf(out, n,
                 "ITLRecoveryCertNotBackedUp: the ITL recovery key has not been backed up since %s.\n"
                 "  Without it, phones that lose trust in this cluster can only be recovered by hand.\n"
                 "  Run 'file get tftp ITLRecovery.p12' to save it on an SFTP server. (Raised daily.)\n",
                 when);
    }
    sqlite3_finalize(st);
    return PT_OK;
}

int pt_cluster_itlrecovery_import_p12(pt_cluster *c, const char *security_password, const uint8_t *data,
                                     size_t len, pt_diag *d)
{
    char pw[65] = "", salt[65];
    int rc = check_typed(c, security_password, d);
    if (rc)
        return rc;
    const unsigned char *p = data;
    PKCS12 *p12 = len <= INT32_MAX ? d2i_PKCS12(NULL, &p, (long)len) : NULL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    if (p12)
        p12_salt(p12, salt);
    if (!p12) {
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "ITLRecovery.p12 is not a PKCS#12 file");
    } else if (derive(security_password, salt, pw)) {
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "cannot derive the ITLRecovery.p12 password");
    } else if (PKCS12_parse(p12, pw, &key, &cert, NULL) != 1 || !key || !cert) {
        rc = pt_diag_set(d, PT_ERR_AUTH, PT_NO_OFFSET,
                         "ITLRecovery.p12 does not open with this cluster's security password (it was saved from a "
                         "cluster with another security password)");
    }
    pt_wipe(pw, sizeof pw);
    PKCS12_free(p12);
    ERR_clear_error();
    char *cn = NULL;
    if (!rc) {
        X509_NAME *subj = X509_get_subject_name(cert);
        int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
        if (idx >= 0)
            ASN1_STRING_to_UTF8((unsigned char **)&cn, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
        if (!cn || strncmp(cn, "ITLRECOVERY_", 12))
            rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "ITLRecovery.p12 holds %s, not an ITLRecovery certificate",
                             cn ? cn : "a certificate without a CN");
        else if (X509_check_private_key(cert, key) != 1)
            rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "ITLRecovery.p12: the key does not match the certificate");
    }
    OPENSSL_free(cn);
    pt_node pub;
    if (!rc)
        rc = pt_cluster_publisher(c, &pub, d);
    if (!rc)
        rc = pt__replace_cert(c, pub.name, PT_CERT_ITLRECOVERY, key, cert, time(NULL), d);
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc;
}

