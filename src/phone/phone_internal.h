/*
 * phone_internal.h - what phone.c (the state directory) shares with boot.c
 * (the event-driven boot) and fleet.c (many phones on one loop).
 */
#ifndef PHONETRUST_PHONE_INTERNAL_H
#define PHONETRUST_PHONE_INTERNAL_H

#include "engine.h"
#include "phone.h"
#include "phonetrust/buf.h"

#include <limits.h>
#include <netinet/in.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <sys/types.h>

/* One phone's state, loaded from <state>/SEP<MAC>/. */
typedef struct phone {
    char dir[PATH_MAX];
    char name[16];
    pt_phone_model model;
    uint8_t *ctl, *itl, *config;
    size_t ctl_len, itl_len, config_len;
    pt_keycache *keys; /* the loop's verification-key cache (boot.c), or NULL */
    unsigned console_line; /* the last line number of console.log (0: not counted yet) */
} phone;

/* Loads (creating the directory, the model file and a MIC when new); model
 * NULL: the one remembered.  ph_free in every case. */
int ph_open(phone *ph, const char *state, const char *mac, const char *model, pt_diag *d);
void ph_free(phone *ph);

/* A file of the phone's directory: PT_OK with *data NULL when missing. */
int ph_read_opt(const char *dir, const char *file, uint8_t **data, size_t *len);
int ph_save(phone *ph, const char *file, const void *data, size_t len, mode_t mode, pt_diag *d);
void ph_drop(const char *dir, const char *file);
/* 1 when the phone's directory holds `file` ("locked", "ITLFile.tlv", ...). */
int ph_has(const char *dir, const char *file);
/* The key and certificate of a PEM the phone holds (lsc.pem, mic.pem):
 * PT_OK, or an error when it holds none or it cannot be read. */
int ph_load_pem(const char *dir, const char *file, EVP_PKEY **key, X509 **cert);
void ph_append(const char *dir, const char *file, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A console line as the phones write them (seeds 000, 002): its number, the
 * level (NOT, or ERR for a refusal or failure), the time to the
 * microsecond, then the text. */
void ph_console(phone *ph, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CONSOLE(ph, ...) ph_console((ph), 0, __VA_ARGS__)
#define CONSOLE_ERR(ph, ...) ph_console((ph), 1, __VA_ARGS__)
#define STATUS(ph, ...) ph_append((ph)->dir, "status.log", __VA_ARGS__)

/* The lists the engine sees (a phone without Security By Default ignores an ITL). */
pt_ph_lists ph_have(const phone *ph);

/* The TVS servers of the config in force: <TVS><members><member><port>,<address>. */
size_t ph_tvs_servers(const phone *ph, char addr[][64], int *port, size_t max);
/* The text of the first <tag>...</tag> after `section` (NULL: anywhere) in
 * the config in force, or "". */
void ph_config_value(const phone *ph, const char *section, const char *tag, char *out, size_t n);

/* The TVS answer cache (tvs-cache): 1 and *roles when the certificate whose
 * SHA-256 is `hash` (hex) was vouched for and its TTL has not ended. */
int ph_cache_read(phone *ph, const char *hash, uint32_t *roles);
void ph_cache_store(phone *ph, const char *hash, uint32_t roles, uint32_t ttl);

/* "DeviceName=...&ITL_Signature=...&CTL_Signature=..." (the DeviceTLInfo report). */
void ph_report_body(const phone *ph, char *body, size_t n);

/* An IPv4 address or a host name the phone resolves; 0 when it cannot. */
/* host:port as an IPv4 address, through a rehearsal's redirects (phone.h) */
int ph_resolve(const char *host, int port, struct sockaddr_in *out);
/* the same without them: the address the phone believes it talks to */
int ph_resolve_raw(const char *host, int port, struct sockaddr_in *out);

#endif
