/*
 * error.h - the one error enum of libphonetrust, and diagnostics.
 *
 * Every library function that can fail returns 0 (PT_OK) or a negative
 * pt_err.  Functions that read outside input also take an optional
 * pt_diag, into which they write where (file offset, record, tag) and what
 * went wrong, in words an administrator can act on.  Callers prefix the file
 * name: "ITLFile.tlv: offset 0x1c4: record 3: tag 9 length 700 runs past the
 * end of the file (5302 bytes)".
 */
#ifndef PHONETRUST_ERROR_H
#define PHONETRUST_ERROR_H

#include <stddef.h>

typedef enum pt_err {
    PT_OK = 0,
    PT_ERR_NOMEM = -1,        /* out of memory */
    PT_ERR_ARG = -2,          /* invalid argument from the caller */
    PT_ERR_TRUNCATED = -3,    /* input ends before a field it announces */
    PT_ERR_FORMAT = -4,       /* input is not well formed */
    PT_ERR_UNKNOWN_TAG = -5,  /* a tag this format does not define */
    PT_ERR_MISSING_TAG = -6,  /* a required tag is absent */
    PT_ERR_DUPLICATE_TAG = -7,/* a tag that may occur once occurs twice */
    PT_ERR_UNSUPPORTED = -8,  /* well formed, but not something we can do */
    PT_ERR_NO_SIGNER = -9,    /* the signer certificate is not available */
    PT_ERR_SIGNATURE = -10,   /* a signature does not verify */
    PT_ERR_DIGEST = -11,      /* a digest does not match the data */
    PT_ERR_CRYPTO = -12,      /* the crypto library failed */
    PT_ERR_IO = -13,          /* reading or writing a file failed */
    PT_ERR_TOO_LARGE = -14,   /* a length does not fit its field */
    PT_ERR_KEY = -15,         /* a key or certificate is unusable */
    PT_ERR_DECRYPT = -16,     /* decryption failed (wrong key, bad padding) */
    PT_ERR_REFUSED = -17,     /* the cluster's rules forbid it now (hold timer, not publisher) */
    PT_ERR_NOT_FOUND = -18,   /* no such node, certificate, device, parameter */
    PT_ERR_EXISTS = -19,      /* already there */
    PT_ERR_DB = -20,          /* the cluster database failed */
    PT_ERR_AUTH = -21,        /* wrong password */
    PT_ERR_IN_USE = -22,      /* an address and port another program already holds */
    PT_ERR_LAST = -23
} pt_err;

/* Returns a static, never NULL, English description of err. */
const char *pt_strerror(int err);

/*
 * Where and what.  has_offset says whether offset is meaningful.  msg holds
 * the detail without the file name; it is empty when nothing was recorded.
 */
typedef struct pt_diag {
    int has_offset;
    size_t offset;
    char msg[480];
} pt_diag;

void pt_diag_clear(pt_diag *d);

/*
 * Records a diagnostic (printf format) and returns err, so parsers can write
 * "return pt_diag_set(d, PT_ERR_FORMAT, off, ...)".  d may be NULL.
 * offset (size_t)-1 means "no offset".
 */
int pt_diag_set(pt_diag *d, int err, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Like pt_diag_set, but keeps an existing message and prefixes it. */
int pt_diag_prefix(pt_diag *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Formats "offset 0x1c4: <msg>" (or "<msg>", or pt_strerror(err) when no
 * message was recorded) into out.  Returns out.
 */
const char *pt_diag_format(const pt_diag *d, int err, char *out, size_t outlen);

#define PT_NO_OFFSET ((size_t)-1)

#endif
