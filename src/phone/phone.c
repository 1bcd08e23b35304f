/*
 * phone.c - one simulated phone's state directory: open/load, the MIC from
 * the simulator's manufacturing CA, the TVS answer cache, what the config in
 * force says, show / erase / factory reset.  The boot itself (network I/O on
 * an event loop) is boot.c.
 */
#include "phone_internal.h"

#include "phonetrust/buf.h"
#include "phonetrust/cert.h"
#include "phonetrust/cluster.h"
#include "phonetrust/constants.h"
#include "phonetrust/crypto.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sgn.h"
#include "phonetrust/trustlist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILE (1u << 20)

int pt_phone_model_find(const char *name, pt_phone_model *out)
{
    int sbd = 0;
    if (!name || strlen(name) >= sizeof out->name || !pt_model_known(name, &sbd))
        return 0;
    snprintf(out->name, sizeof out->name, "%s", name);
    out->sbd = sbd;
    out->family = !strncmp(name, "79", 2) ? 79 : 0;
    return 1;
}

int pt_phone_name(const char *mac, char out[16], pt_diag *d)
{
    const char *m = mac && !strncasecmp(mac, "SEP", 3) ? mac + 3 : mac;
    if (!m || strlen(m) != 12)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: a MAC is 12 hex digits", mac ? mac : "(none)");
    memcpy(out, "SEP", 3);
    for (int i = 0; i < 12; i++) {
        if (!isxdigit((unsigned char)m[i]))
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: a MAC is 12 hex digits", mac);
        out[3 + i] = (char)toupper((unsigned char)m[i]);
    }
    out[15] = 0;
    return PT_OK;
}

/* ---- the state directory ---- */

static int phone_dir(const char *state, const char *mac, char name[16], char *dir, size_t n, pt_diag *d)
{
    int rc = pt_phone_name(mac, name, d);
    if (!rc && pt_path_join(dir, n, state, name))
        rc = pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", state);
    return rc;
}

int ph_read_opt(const char *dir, const char *file, uint8_t **data, size_t *len)
{
    char path[PATH_MAX];
    *data = NULL;
    *len = 0;
    if (pt_path_join(path, sizeof path, dir, file))
        return PT_ERR_ARG;
    if (access(path, F_OK) != 0)
        return PT_OK;
    return pt_file_read(path, data, len, MAX_FILE, NULL);
}

/* Atomic (temp + rename) without fsync: see PT_WRITE_NO_SYNC. */
int ph_save(phone *ph, const char *file, const void *data, size_t len, mode_t mode, pt_diag *d)
{
    char path[PATH_MAX];
    if (pt_path_join(path, sizeof path, ph->dir, file))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", ph->dir);
    return pt_file_write_atomic_flags(path, data, len, mode, PT_WRITE_NO_SYNC, d);
}

int ph_has(const char *dir, const char *file)
{
    char path[PATH_MAX];
    return !pt_path_join(path, sizeof path, dir, file) && access(path, F_OK) == 0;
}

int ph_load_pem(const char *dir, const char *file, EVP_PKEY **key, X509 **cert)
{
    char path[PATH_MAX];
    if (!ph_has(dir, file) || pt_path_join(path, sizeof path, dir, file))
        return PT_ERR_NOT_FOUND;
    return pt_pem_load(path, key, cert, NULL);
}

void ph_drop(const char *dir, const char *file)
{
    char path[PATH_MAX];
    if (!pt_path_join(path, sizeof path, dir, file))
        unlink(path);
}

/* "HH:MM:SS.uuuuuu", local time: how the phone stamps its log lines */
static void time_of_day(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char hms[16];
    strftime(hms, sizeof hms, "%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%06ld", hms, (long)tv.tv_usec);
}

void ph_append(const char *dir, const char *file, const char *fmt, ...)
{
    char path[PATH_MAX];
    if (pt_path_join(path, sizeof path, dir, file))
        return;
    char ts[32];
    time_of_day(ts);
    va_list ap;
    va_start(ap, fmt);
    pt_file_append_line(path, ts, fmt, ap);
    va_end(ap);
}

void ph_console(phone *ph, int err, const char *fmt, ...)
{
    char path[PATH_MAX];
    if (pt_path_join(path, sizeof path, ph->dir, "console.log"))
        return;
    if (!ph->console_line) { /* numbered on from the lines already there */
        uint8_t *log;
        size_t n;
        if (ph_read_opt(ph->dir, "console.log", &log, &n) == PT_OK && log) {
            for (size_t i = 0; i < n; i++)
                ph->console_line += log[i] == '\n';
            free(log);
        }
    }
    char ts[32], stamp[64];
    time_of_day(ts);
    snprintf(stamp, sizeof stamp, "%u: %s %s", ++ph->console_line, err ? "ERR" : "NOT", ts);
    va_list ap;
    va_start(ap, fmt);
    pt_file_append_line(path, stamp, fmt, ap);
    va_end(ap);
}

const char *pt_phone_console_text(const char *line)
{
    const char *p = line + strspn(line, "0123456789"); /* "1715: ERR 16:59:35.170584 text" */
    if (p == line || p[0] != ':' || p[1] != ' ')
        return line;
    p += 2;
    p += strcspn(p, " "); /* the level */
    p += *p == ' ';
    p += strspn(p, "0123456789:."); /* the time of day */
    return p + (*p == ' ');
}

pt_ph_lists ph_have(const phone *ph)
{
    pt_ph_lists l = {ph->ctl, ph->ctl_len, ph->model.sbd ? ph->itl : NULL, ph->model.sbd ? ph->itl_len : 0, ph->keys};
    return l;
}

/* ---- the MIC: issued at first boot by the simulator's own CA ---- */

static int write_pem(const char *path, EVP_PKEY *key, X509 *cert, mode_t mode, pt_diag *d)
{
    pt_buf pem;
    pt_buf_init(&pem);
    int rc = pt_pem_write(&pem, key, cert);
    if (!rc)
        rc = pt_file_write_atomic_flags(path, pem.data, pem.len, mode, PT_WRITE_NO_SYNC, d);
    pt_buf_free(&pem); /* secret: wiped */
    return rc;
}

/* The simulator's "Cisco Manufacturing CA": <state>/manufacturing-ca.pem
 * (key, 0600) and manufacturing-ca.crt (the certificate alone, for the
 * cluster's CAPF-trust), made once.  The CA and the MICs are EC P-256: a
 * fleet's first boot issues one MIC per phone, and ten thousand RSA-2048
 * key generations would take minutes (the CAPF exchange is the same). */
static int manufacturing_ca(const char *state, EVP_PKEY **key, X509 **cert, pt_diag *d)
{
    char path[PATH_MAX], crt[PATH_MAX];
    if (pt_path_join(path, sizeof path, state, "manufacturing-ca.pem") ||
        pt_path_join(crt, sizeof crt, state, "manufacturing-ca.crt"))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: path too long", state);
    if (access(path, F_OK) == 0)
        return pt_pem_load(path, key, cert, d);
    pt_cert_spec spec;
    pt_cert_spec_init(&spec);
    spec.profile = PT_PROFILE_CA;
    spec.cn = "Cisco Manufacturing CA";
    spec.o = "Cisco Systems";
    spec.key_type = PT_KEY_EC;
    int rc = pt_cert_create(&spec, key, cert, d);
    if (!rc)
        rc = write_pem(crt, NULL, *cert, 0644, d);
    if (!rc)
        rc = write_pem(path, *key, *cert, 0600, d);
    return rc;
}

/* mic.pem (key and certificate, 0600) for a Security By Default phone. */
static int ensure_mic(phone *ph, const char *state, pt_diag *d)
{
    char path[PATH_MAX];
    if (!ph->model.sbd || ph_has(ph->dir, "mic.pem") || pt_path_join(path, sizeof path, ph->dir, "mic.pem"))
        return PT_OK;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    X509 *ca = NULL, *mic = NULL;
    int rc = manufacturing_ca(state, &ca_key, &ca, d);
    char cn[48];
    snprintf(cn, sizeof cn, "CP-%s-%s", ph->model.name, ph->name);
    pt_cert_spec spec;
    pt_cert_spec_init(&spec);
    spec.profile = PT_PROFILE_LEAF;
    spec.cn = cn;
    spec.o = "Cisco Systems Inc.";
    spec.key_type = PT_KEY_EC;
    spec.issuer_key = ca_key;
    spec.issuer_cert = ca;
    if (!rc)
        rc = pt_cert_create(&spec, &key, &mic, d);
    if (!rc)
        rc = write_pem(path, key, mic, 0600, d);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    X509_free(ca);
    X509_free(mic);
    return rc;
}

/*
 * The TVS answer cache (tvs-cache in the phone's directory): one line per
 * vouched certificate, "SHA256 ROLES EXPIRES", valid for the TTL TVS gave.
 * Reads it: 1 and *roles when `hash` is there and unexpired; keep (when
 * non-NULL) receives the other unexpired lines.
 */
static int cache_read(phone *ph, const char *hash, uint32_t *roles, pt_buf *keep)
{
    uint8_t *data;
    size_t len;
    if (ph_read_opt(ph->dir, "tvs-cache", &data, &len) || !data)
        return 0;
    char *text = strndup((const char *)data, len), *sp = NULL;
    free(data);
    int found = 0;
    long long now = (long long)time(NULL);
    for (char *line = text ? strtok_r(text, "\n", &sp) : NULL; line; line = strtok_r(NULL, "\n", &sp)) {
        char h[65];
        unsigned long r;
        long long exp;
        if (sscanf(line, "%64s %lu %lld", h, &r, &exp) != 3 || exp <= now)
            continue;
        if (!strcmp(h, hash)) {
            *roles = (uint32_t)r;
            found = 1;
        } else if (keep) {
            pt_buf_put(keep, line, strlen(line));
            pt_buf_put_u8(keep, '\n');
        }
    }
    free(text);
    return found;
}

int ph_cache_read(phone *ph, const char *hash, uint32_t *roles)
{
    return cache_read(ph, hash, roles, NULL);
}

void ph_cache_store(phone *ph, const char *hash, uint32_t roles, uint32_t ttl)
{
    pt_buf out;
    pt_buf_init(&out);
    uint32_t old;
    cache_read(ph, hash, &old, &out);
    char add[128];
    int n = snprintf(add, sizeof add, "%s %lu %lld\n", hash, (unsigned long)roles, (long long)time(NULL) + ttl);
    pt_buf_put(&out, add, (size_t)n);
    if (!pt_buf_error(&out))
        ph_save(ph, "tvs-cache", out.data, out.len, 0644, NULL);
    pt_buf_free(&out);
}

/* ---- DeviceTLInfo ---- */

static void sha1_hex(const uint8_t *p, size_t n, char out[41])
{
    uint8_t h[20];
    size_t hl;
    if (!p)
        snprintf(out, 41, "Not Installed");
    else if (pt_digest(PT_HASH_SHA1, p, n, h, &hl) == PT_OK)
        pt_hex(h, 20, out);
    else
        out[0] = 0;
}

void ph_report_body(const phone *ph, char *body, size_t n)
{
    char itl[41], ctl[41];
    sha1_hex(ph->model.sbd ? ph->itl : NULL, ph->itl_len, itl);
    sha1_hex(ph->ctl, ph->ctl_len, ctl);
    snprintf(body, n, "DeviceName=%s&ITL_Signature=%s&CTL_Signature=%s", ph->name, itl, ctl);
    for (char *p = body; *p; p++)
        if (*p == ' ')
            *p = '+';
}

int ph_resolve_raw(const char *host, int port, struct sockaddr_in *out)
{
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &out->sin_addr) == 1)
        return 1;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return 0;
    out->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return 1;
}

#define MAX_REDIRECTS 64
static struct {
    struct sockaddr_in from, to;
} redirects[MAX_REDIRECTS];
static size_t n_redirects;

int pt_phone_redirect_set(const pt_phone_redirect *r, size_t n, pt_diag *d)
{
    n_redirects = 0;
    if (n > MAX_REDIRECTS)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "at most %d redirected addresses", MAX_REDIRECTS);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* a node's host name the phones cannot resolve: they cannot reach it
         * redirected either, as they could not for real */
        if (!ph_resolve_raw(r[i].from_host, r[i].from_port, &redirects[k].from))
            continue;
        if (!ph_resolve_raw(r[i].to_host, r[i].to_port, &redirects[k].to))
            return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "%s: cannot resolve it", r[i].to_host);
        k++;
    }
    n_redirects = k;
    return PT_OK;
}

int ph_resolve(const char *host, int port, struct sockaddr_in *out)
{
    if (!ph_resolve_raw(host, port, out))
        return 0;
    for (size_t i = 0; i < n_redirects; i++)
        if (redirects[i].from.sin_addr.s_addr == out->sin_addr.s_addr && redirects[i].from.sin_port == out->sin_port) {
            *out = redirects[i].to;
            break;
        }
    return 1;
}

/* ---- open ---- */

void ph_free(phone *ph)
{
    free(ph->ctl);
    free(ph->itl);
    free(ph->config);
}

int ph_open(phone *ph, const char *state, const char *mac, const char *model, pt_diag *d)
{
    memset(ph, 0, sizeof *ph);
    int rc = phone_dir(state, mac, ph->name, ph->dir, sizeof ph->dir, d);
    if (rc)
        return rc;
    if (mkdir(state, 0755) != 0 && errno != EEXIST)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", state, strerror(errno));
    uint8_t *m = NULL;
    size_t ml = 0;
    ph_read_opt(ph->dir, "model", &m, &ml);
    char known[16] = "";
    if (m)
        snprintf(known, sizeof known, "%.*s", (int)(ml && m[ml - 1] == '\n' ? ml - 1 : ml), (const char *)m);
    free(m);
    if (!model && !known[0])
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s: a new phone: say its --model", ph->name);
    if (!pt_phone_model_find(model ? model : known, &ph->model))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "model %s: expected one of %s", model ? model : known,
                           pt_models_list());
    if (mkdir(ph->dir, 0755) != 0 && errno != EEXIST)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: %s", ph->dir, strerror(errno));
    if (strcmp(known, ph->model.name)) {
        char line[20];
        int n = snprintf(line, sizeof line, "%s\n", ph->model.name);
        if ((rc = ph_save(ph, "model", line, (size_t)n, 0644, d)))
            return rc;
    }
    if ((rc = ensure_mic(ph, state, d)))
        return rc;
    ph_read_opt(ph->dir, "CTLFile.tlv", &ph->ctl, &ph->ctl_len);
    ph_read_opt(ph->dir, "ITLFile.tlv", &ph->itl, &ph->itl_len);
    ph_read_opt(ph->dir, "config.xml", &ph->config, &ph->config_len);
    return PT_OK;
}

/* ---- show, erase, factory reset ---- */

int pt_phone_load(const char *state, const char *mac, pt_phone_state *st, pt_diag *d)
{
    memset(st, 0, sizeof *st);
    char dir[PATH_MAX];
    int rc = phone_dir(state, mac, st->name, dir, sizeof dir, d);
    if (rc)
        return rc;
    uint8_t *m;
    size_t ml;
    ph_read_opt(dir, "model", &m, &ml);
    if (!m)
        return pt_diag_set(d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s: no such phone in %s", st->name, state);
    snprintf(st->model, sizeof st->model, "%.*s", (int)(ml && m[ml - 1] == '\n' ? ml - 1 : ml), (const char *)m);
    free(m);
    ph_read_opt(dir, "CTLFile.tlv", &st->ctl, &st->ctl_len);
    ph_read_opt(dir, "ITLFile.tlv", &st->itl, &st->itl_len);
    ph_read_opt(dir, "config.xml", &st->config, &st->config_len);
    st->locked = ph_has(dir, "locked");
    st->lsc = ph_has(dir, "lsc.pem");
    size_t n;
    ph_read_opt(dir, "status.log", (uint8_t **)&st->status, &n);
    ph_read_opt(dir, "console.log", (uint8_t **)&st->console, &n);
    return PT_OK;
}

void pt_phone_state_free(pt_phone_state *st)
{
    free(st->ctl);
    free(st->itl);
    free(st->config);
    free(st->status);
    free(st->console);
    memset(st, 0, sizeof *st);
}

int pt_phone_erase_trust_list(const char *state, const char *mac, FILE *out, pt_diag *d)
{
    phone ph;
    int rc = ph_open(&ph, state, mac, NULL, d);
    const char *path = !ph.model.sbd              ? "no Security By Default; erasing the CTL only"
                       : ph.model.family == 79 ? "Settings > Security > Trust List > ITL File > **# > Erase"
                                               : "Settings > Administrator Settings > Reset Settings > Security Settings";
    /* the menu needs Settings Access: a configuration in force that
     * disables it (or restricts it to the user's settings) leaves only a
     * factory reset (seed 001) */
    char access[8] = "";
    if (!rc)
        ph_config_value(&ph, NULL, "settingsAccess", access, sizeof access);
    if (!rc && access[0] && strcmp(access, "1"))
        rc = pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                         "%s (Cisco %s): %s: not reachable, the configuration in force %s Settings Access "
                         "(settingsAccess %s); only a factory reset erases the trust lists (phone factory-reset)",
                         ph.name, ph.model.name, path, strcmp(access, "0") ? "restricts" : "disables", access);
    if (!rc) {
        fprintf(out, "%s (Cisco %s): %s\n", ph.name, ph.model.name, path);
        ph_drop(ph.dir, "ITLFile.tlv");
        ph_drop(ph.dir, "CTLFile.tlv");
        ph_drop(ph.dir, "locked");
        CONSOLE(&ph, "trust lists erased from the settings menu");
    }
    ph_free(&ph);
    return rc;
}

int pt_phone_factory_reset(const char *state, const char *mac, FILE *out, pt_diag *d)
{
    phone ph;
    int rc = ph_open(&ph, state, mac, NULL, d);
    if (!rc) {
        static const char *const files[] = {"ITLFile.tlv", "CTLFile.tlv", "locked", "config.xml", "status.log",
                                            "console.log", "tvs-cache", "lsc.pem", "config-encrypted", "files-refused"};
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
            ph_drop(ph.dir, files[i]);
        fprintf(out, "%s (Cisco %s): factory reset: trust lists, LSC, configuration and logs erased\n", ph.name,
                ph.model.name);
    }
    ph_free(&ph);
    return rc;
}
