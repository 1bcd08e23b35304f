/*
 * sftp.c - SFTP transfers through libcurl (see sftp.h).
 */
#include "phonetrust/sftp.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct transfer {
    const uint8_t *src;
    size_t src_len, src_pos;
    pt_buf *dst;
    size_t max;
    int too_big;
    const pt_sftp *s;
    int key_verdict; /* 0 fine, 1 unknown-refused, 2 mismatch */
    int list;        /* directory listing */
} transfer;

static size_t read_cb(char *buf, size_t size, size_t n, void *arg)
{
    transfer *t = arg;
    size_t want = size * n, left = t->src_len - t->src_pos;
    if (want > left)
        want = left;
    memcpy(buf, t->src + t->src_pos, want);
    t->src_pos += want;
    return want;
}

static size_t write_cb(char *buf, size_t size, size_t n, void *arg)
{
    transfer *t = arg;
    size_t got = size * n;
    if (t->dst->len + got > t->max) {
        t->too_big = 1;
        return 0;
    }
    pt_buf_put(t->dst, buf, got);
    return pt_buf_error(t->dst) ? 0 : got;
}

static int key_cb(CURL *easy, const struct curl_khkey *known, const struct curl_khkey *found,
                  enum curl_khmatch match, void *arg)
{
    (void)easy, (void)known, (void)found;
    transfer *t = arg;
    if (match == CURLKHMATCH_OK)
        return CURLKHSTAT_FINE;
    if (match == CURLKHMATCH_MISMATCH) {
        t->key_verdict = 2;
        return CURLKHSTAT_REJECT;
    }
    if (t->s->accept_new)
        return CURLKHSTAT_FINE_ADD_TO_FILE;
    t->key_verdict = 1;
    return CURLKHSTAT_REJECT;
}

/* libcurl, loaded the first time a transfer is made: 35 of the 49 shared
 * libraries the command would load at every start are libcurl's (its
 * LDAP, Kerberos, SSH, HTTP/2 ...), 10 ms of every command's start here,
 * for the few commands that reach an SFTP server. */
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
} cu;

static int curl_load(pt_diag *d)
{
    if (cu.easy_strerror)
        return PT_OK;
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET, "SFTP needs libcurl (the libcurl4 package): %s",
                           dlerror());
    *(void **)&cu.global_init = dlsym(h, "curl_global_init");
    *(void **)&cu.easy_init = dlsym(h, "curl_easy_init");
    *(void **)&cu.easy_setopt = dlsym(h, "curl_easy_setopt");
    *(void **)&cu.easy_perform = dlsym(h, "curl_easy_perform");
    *(void **)&cu.easy_cleanup = dlsym(h, "curl_easy_cleanup");
    *(void **)&cu.easy_strerror = dlsym(h, "curl_easy_strerror");
    if (!cu.global_init || !cu.easy_init || !cu.easy_setopt || !cu.easy_perform || !cu.easy_cleanup ||
        !cu.easy_strerror) {
        cu.easy_strerror = NULL;
        return pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET, "libcurl.so.4 lacks the easy interface");
    }
    cu.global_init(CURL_GLOBAL_DEFAULT);
    return PT_OK;
}

static int run(const pt_sftp *s, const char *remote_path, transfer *t, pt_diag *d)
{
    if (!s->host || !*s->host || !s->user || !*s->user)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "SFTP needs a server and a user");
    if (!remote_path || !*remote_path)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "SFTP needs a remote path");
    int rc = curl_load(d);
    if (rc)
        return rc;
    CURL *c = cu.easy_init();
    if (!c)
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "cannot start libcurl");
    char url[2048], known[1024];
    /* sftp://host:port/abs/path ; a relative path is taken from the login directory (~) */
    snprintf(url, sizeof url, "sftp://%s%s%s:%d%s%s", strchr(s->host, ':') ? "[" : "", s->host,
             strchr(s->host, ':') ? "]" : "", s->port ? s->port : 22, remote_path[0] == '/' ? "" : "/~/", remote_path);
    if (s->known_hosts) {
        snprintf(known, sizeof known, "%s", s->known_hosts);
    } else {
        const char *home = getenv("HOME");
        snprintf(known, sizeof known, "%s/.ssh/known_hosts", home ? home : ".");
    }
    char err[CURL_ERROR_SIZE] = "";
    cu.easy_setopt(c, CURLOPT_URL, url);
    cu.easy_setopt(c, CURLOPT_USERNAME, s->user);
    if (s->password)
        cu.easy_setopt(c, CURLOPT_PASSWORD, s->password);
    if (s->identity) {
        cu.easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, s->identity);
        cu.easy_setopt(c, CURLOPT_SSH_AUTH_TYPES, (long)(CURLSSH_AUTH_PUBLICKEY | CURLSSH_AUTH_PASSWORD));
    } else {
        cu.easy_setopt(c, CURLOPT_SSH_AUTH_TYPES, (long)(CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD));
    }
    cu.easy_setopt(c, CURLOPT_SSH_KNOWNHOSTS, known);
    cu.easy_setopt(c, CURLOPT_SSH_KEYFUNCTION, key_cb);
    cu.easy_setopt(c, CURLOPT_SSH_KEYDATA, t);
    cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    cu.easy_setopt(c, CURLOPT_TIMEOUT, s->timeout > 0 ? s->timeout : 60L);
    cu.easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "sftp");
    if (t->src) {
        cu.easy_setopt(c, CURLOPT_UPLOAD, 1L);
        cu.easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
        cu.easy_setopt(c, CURLOPT_READDATA, t);
        cu.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->src_len);
        cu.easy_setopt(c, CURLOPT_NEW_FILE_PERMS, 0600L);
    } else {
        cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
        cu.easy_setopt(c, CURLOPT_WRITEDATA, t);
        if (t->list)
            cu.easy_setopt(c, CURLOPT_DIRLISTONLY, 1L);
    }
    CURLcode res = cu.easy_perform(c);
    cu.easy_cleanup(c);
    char where[300];
    snprintf(where, sizeof where, "sftp://%s@%s:%d", s->user, s->host, s->port ? s->port : 22);
    if (res == CURLE_OK)
        return PT_OK;
    if (t->key_verdict == 2)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                           "%s: the server's host key does not match %s (refused: possible man-in-the-middle)",
                           where, known);
    if (t->key_verdict == 1)
        return pt_diag_set(d, PT_ERR_REFUSED, PT_NO_OFFSET,
                           "%s: the server's host key is not in %s; accept it with --accept-host-key", where, known);
    if (t->too_big)
        return pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET, "%s: %s is larger than %zu bytes", where,
                           remote_path, t->max);
    rc = res == CURLE_LOGIN_DENIED ? PT_ERR_AUTH : PT_ERR_IO;
    return pt_diag_set(d, rc, PT_NO_OFFSET, "%s%s: %s", where, remote_path[0] == '/' ? remote_path : "",
                       err[0] ? err : cu.easy_strerror(res));
}

int pt_sftp_put(const pt_sftp *s, const char *remote_path, const uint8_t *data, size_t len, pt_diag *d)
{
    transfer t = {.src = data ? data : (const uint8_t *)"", .src_len = len, .s = s};
    return run(s, remote_path, &t, d);
}

int pt_sftp_get(const pt_sftp *s, const char *remote_path, pt_buf *out, size_t max, pt_diag *d)
{
    transfer t = {.dst = out, .max = max, .s = s};
    return run(s, remote_path, &t, d);
}

int pt_sftp_list(const pt_sftp *s, const char *remote_dir, pt_buf *out, pt_diag *d)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s%s", remote_dir, remote_dir[0] && remote_dir[strlen(remote_dir) - 1] == '/' ? "" : "/");
    transfer t = {.dst = out, .max = 1 << 20, .s = s, .list = 1};
    return run(s, dir, &t, d);
}
