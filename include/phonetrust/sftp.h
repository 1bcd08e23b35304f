/*
 * sftp.h - file transfer to and from an SFTP server (libcurl), for the
 * ITLRecovery backup (M19), utils itl reset remotekey (M18) and bulk
 * certificates (M20).
 *
 * Host keys are checked against a known_hosts file: a changed key is always
 * refused; an unknown one is refused unless accept_new (then it is added,
 * as OpenSSH's "yes" at "Are you sure you want to continue connecting").
 */
#ifndef PHONETRUST_SFTP_H
#define PHONETRUST_SFTP_H

#include <stddef.h>
#include <stdint.h>

#include "phonetrust/buf.h"
#include "phonetrust/error.h"

typedef struct pt_sftp {
    const char *host;
    int port;                /* 0: 22 */
    const char *user;
    const char *password;    /* or NULL with identity */
    const char *identity;    /* private key file for public-key authentication */
    const char *known_hosts; /* NULL: ~/.ssh/known_hosts */
    int accept_new;          /* trust and remember an unknown host key */
    long timeout;            /* seconds; 0: 60 */
} pt_sftp;

/* Uploads data to remote_path (absolute, or relative to the login directory). */
int pt_sftp_put(const pt_sftp *s, const char *remote_path, const uint8_t *data, size_t len, pt_diag *d);
/* Downloads remote_path into out (at most max bytes). */
int pt_sftp_get(const pt_sftp *s, const char *remote_path, pt_buf *out, size_t max, pt_diag *d);

/* Lists the names in remote_dir, one per line, into out. */
int pt_sftp_list(const pt_sftp *s, const char *remote_dir, pt_buf *out, pt_diag *d);

#endif
